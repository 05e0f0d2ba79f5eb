package dev.sluice.servlet;

/** The filter on Tomcat 11. */
class TomcatFilterIT extends FilterContract {
  @Override
  Container.Starter starter() {
    return TomcatContainer::start;
  }
}
