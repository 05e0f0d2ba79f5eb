package dev.sluice.servlet;

/** The filter on Jetty 12 (EE 11). */
class JettyFilterIT extends FilterContract {
  @Override
  Container.Starter starter() {
    return JettyContainer::start;
  }
}
