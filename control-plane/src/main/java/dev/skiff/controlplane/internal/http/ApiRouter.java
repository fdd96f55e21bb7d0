package dev.skiff.controlplane.internal.http;

import dev.skiff.controlplane.events.EventLog;
import dev.skiff.controlplane.internal.auth.RequestOrigin;
import dev.skiff.controlplane.internal.auth.TokenRegistry;
import dev.skiff.controlplane.internal.nodes.NodeAdmin;
import dev.skiff.controlplane.internal.resources.BlobStore;
import dev.skiff.controlplane.internal.resources.ConfigApi;
import dev.skiff.controlplane.internal.resources.DomainApi;
import dev.skiff.controlplane.internal.resources.ResourceApi;
import dev.skiff.controlplane.internal.resources.ResourceFeed;
import dev.skiff.controlplane.mesh.MeshCa;
import dev.skiff.controlplane.spi.Store;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.util.Set;

/** Assembles the REST API's router. */
public final class ApiRouter {
  private ApiRouter() {}

  public static Router create(
      Vertx vertx,
      ResourceApi api,
      ConfigApi config,
      DomainApi domains,
      BlobStore blobs,
      ResourceFeed feed,
      Store store,
      MeterRegistry registry,
      TokenRegistry tokens,
      MeshCa mesh,
      EventLog events,
      NodeAdmin nodes,
      RequestOrigin origin,
      Set<String> openPaths,
      String openPrefix,
      String tokenHint) {
    Router router = Router.router(vertx);
    // Order: metrics see every request, including those that fail or match nothing; then the
    // guard (Host/Origin, token, role, Content-Type) before any route, including routes added
    // later through ControlPlane.router().
    router.route().handler(new RequestMetrics(registry));
    router.route().handler(new ApiGuard(tokens, origin, openPaths, openPrefix, tokenHint));
    Routes routes = new Routes(router);
    new TokenRoutes(tokens).register(routes);
    new ServiceRoutes(api).register(routes);
    new RevisionRoutes(api).register(routes);
    new ObjectRoutes(api).register(routes);
    new ConfigRoutes(config).register(routes);
    new DomainRoutes(domains).register(routes);
    new BlobRoutes(blobs).register(routes);
    new MeshRoutes(mesh).register(routes);
    new NodeRoutes(nodes).register(routes);
    router.get("/v1/watch").handler(new WatchRoute(feed, store));
    EventsRoute eventsRoute = new EventsRoute(events);
    router.get("/v1/events").handler(eventsRoute);
    router.get("/v1/namespaces/:namespace/events").handler(eventsRoute);
    // Vert.x Web's own outcomes (no route, wrong method, a handler that threw) get JSON bodies too.
    router.errorHandler(404, ctx -> Replies.failure(ctx, 404));
    router.errorHandler(405, ctx -> Replies.failure(ctx, 405));
    router.errorHandler(
        500,
        ctx -> {
          if (ctx.failure() != null) {
            Replies.failure(ctx, ctx.failure());
          } else {
            Replies.failure(ctx, 500);
          }
        });
    return router;
  }
}
