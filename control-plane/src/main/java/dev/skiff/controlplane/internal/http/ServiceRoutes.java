package dev.skiff.controlplane.internal.http;

import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static io.vertx.core.http.HttpMethod.PUT;

import dev.skiff.api.model.Service;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.controlplane.internal.resources.Keys;
import dev.skiff.controlplane.internal.resources.ResourceApi;
import dev.skiff.controlplane.internal.resources.Written;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;

/** {@code /v1/namespaces/{ns}/services} and {@code /v1/services}. */
final class ServiceRoutes {
  private static final String HINT =
      "a Service manifest is at most 1 MiB; Wasm modules go to POST /v1/blobs";

  /** The body of {@code PUT .../traffic}. */
  record TrafficUpdate(List<TrafficTarget> traffic, Long resourceVersion) {}

  private final ResourceApi api;

  ServiceRoutes(ResourceApi api) {
    this.api = api;
  }

  void register(Routes routes) {
    String one = "/v1/namespaces/:ns/services/:name";
    routes
        .on(
            POST,
            "/v1/namespaces/:ns/services",
            ctx ->
                Bodies.read(ctx.request(), Bodies.RESOURCE_LIMIT, HINT)
                    .compose(
                        body ->
                            api.writeService(
                                Parsing.resource(body, Service.class, ns(ctx), null), true))
                    .map(w -> Reply.created(warned(ctx, w).resource())))
        .on(
            PUT,
            one,
            ctx ->
                Bodies.read(ctx.request(), Bodies.RESOURCE_LIMIT, HINT)
                    .compose(
                        body ->
                            api.writeService(
                                Parsing.resource(body, Service.class, ns(ctx), name(ctx)), false))
                    .map(w -> warned(ctx, w))
                    .map(w -> w.created() ? Reply.created(w.resource()) : Reply.ok(w.resource())))
        .on(
            GET,
            "/v1/namespaces/:ns/services",
            ctx -> api.list(Keys.services(ns(ctx)), Service.class).map(l -> Reply.ok(Items.of(l))))
        .on(
            GET,
            "/v1/services",
            ctx -> api.list(Keys.SERVICES, Service.class).map(l -> Reply.ok(Items.of(l))))
        .on(
            GET,
            one,
            ctx ->
                api.get(Keys.service(ns(ctx), name(ctx)), Service.class, what(ctx)).map(Reply::ok))
        .on(
            DELETE,
            one,
            ctx ->
                api.deleteService(ns(ctx), name(ctx))
                    .map(v -> Reply.ok(Map.of("deleted", name(ctx)))))
        .on(
            PUT,
            one + "/traffic",
            ctx ->
                Bodies.read(ctx.request(), Bodies.RESOURCE_LIMIT, HINT)
                    .map(body -> Parsing.json(body, TrafficUpdate.class))
                    .compose(
                        u ->
                            api.putTraffic(
                                ns(ctx),
                                name(ctx),
                                u.traffic() == null ? List.of() : u.traffic(),
                                u.resourceVersion()))
                    .map(Reply::ok));
  }

  /** Adds a write's warnings to the response as {@code Warning: 299 - "..."}, as Kubernetes. */
  private static <T> Written<T> warned(RoutingContext ctx, Written<T> w) {
    for (String warning : w.warnings()) {
      ctx.response().headers().add("Warning", "299 - \"" + warning.replace('"', '\'') + "\"");
    }
    return w;
  }

  static String ns(RoutingContext ctx) {
    return ctx.pathParam("ns");
  }

  static String name(RoutingContext ctx) {
    return ctx.pathParam("name");
  }

  private static String what(RoutingContext ctx) {
    return "service " + ns(ctx) + "/" + name(ctx);
  }
}
