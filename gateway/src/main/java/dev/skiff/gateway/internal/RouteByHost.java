package dev.skiff.gateway.internal;

import dev.skiff.gateway.NoRouteException;
import dev.skiff.proxy.Stage;
import dev.skiff.routing.LiveRoutes;
import dev.skiff.routing.Route;
import dev.skiff.routing.RouteMiss;
import dev.skiff.routing.RouteTable;
import io.vertx.core.Future;
import io.vertx.core.net.HostAndPort;
import java.util.Locale;

/** Finds the route of the request's Host (HTTP/1.1) or :authority (HTTP/2) in the current table. */
final class RouteByHost implements Stage<Exchange> {
  private final LiveRoutes routes;
  private final Stage<Exchange> next;

  RouteByHost(LiveRoutes routes, Stage<Exchange> next) {
    this.routes = routes;
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    // One read of the volatile reference: this request uses this table throughout.
    RouteTable table = routes.current();
    String host = x.routeHost() != null ? x.routeHost() : normalize(x.request().authority());
    Route route = table.lookup(host);
    if (route == null) {
      RouteMiss miss = table.explainMiss(host);
      return Future.failedFuture(new NoRouteException(miss.problem(), miss.hint()));
    }
    x.route(route);
    return Stage.call(next, x);
  }

  /** The host without port, lower case, without a trailing dot; null when absent. */
  static String normalize(HostAndPort authority) {
    if (authority == null || authority.host() == null) {
      return null;
    }
    String h = authority.host().toLowerCase(Locale.ROOT);
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }
}
