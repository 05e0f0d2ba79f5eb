package dev.sluice.spring;

/** Where the rules' filter runs among an application's filters. */
final class SluiceWebOrder {

  /**
   * Just after Spring Security's filter chain (order -100 for the servlet chain and the reactive
   * {@code WebFilterChainProxy}), so that a {@code principal} key sees the authentication, and
   * before the application's own filters (order 0 and later by default).
   */
  static final int DEFAULT = -90;

  private SluiceWebOrder() {}
}
