package dev.sluice.spring;

import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code sluice.gateway} section of {@link SluiceProperties}. */
public class GatewayProperties {
  private Map<String, RouteProperties> routes = new LinkedHashMap<>();

  /**
   * Per route id: the policy and cost of the route's requests.
   *
   * @return the routes
   */
  public Map<String, RouteProperties> getRoutes() {
    return routes;
  }

  /**
   * Sets the routes.
   *
   * @param routes the routes by id
   */
  public void setRoutes(Map<String, RouteProperties> routes) {
    this.routes = routes;
  }
}
