package dev.skiff.controlplane.internal.http;

import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static io.vertx.core.http.HttpMethod.PUT;

import dev.skiff.api.model.ConfigMap;
import dev.skiff.api.model.Secret;
import dev.skiff.controlplane.internal.resources.ConfigApi;
import dev.skiff.controlplane.internal.resources.Written;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/**
 * {@code /v1/namespaces/{ns}/secrets} and {@code .../configmaps}. A secret is written with values
 * and read back as keys and sizes only.
 */
final class ConfigRoutes {
  private static final String HINT = "a Secret or ConfigMap is at most 1 MiB of values";

  private final ConfigApi api;

  ConfigRoutes(ConfigApi api) {
    this.api = api;
  }

  void register(Routes routes) {
    String secrets = "/v1/namespaces/:ns/secrets";
    String configMaps = "/v1/namespaces/:ns/configmaps";
    routes
        .on(
            POST,
            secrets,
            ctx ->
                Bodies.read(ctx.request(), Bodies.RESOURCE_LIMIT + 4096, HINT)
                    .compose(
                        b ->
                            api.writeSecret(Parsing.resource(b, Secret.class, ns(ctx), null), true))
                    .map(ConfigRoutes::reply))
        .on(
            PUT,
            secrets + "/:name",
            ctx ->
                Bodies.read(ctx.request(), Bodies.RESOURCE_LIMIT + 4096, HINT)
                    .compose(
                        b ->
                            api.writeSecret(
                                Parsing.resource(b, Secret.class, ns(ctx), name(ctx)), false))
                    .map(ConfigRoutes::reply))
        .on(GET, secrets, ctx -> api.secrets(ns(ctx)).map(l -> Reply.ok(Map.of("items", l))))
        .on(GET, secrets + "/:name", ctx -> api.secret(ns(ctx), name(ctx)).map(Reply::ok))
        .on(
            DELETE,
            secrets + "/:name",
            ctx ->
                api.deleteSecret(ns(ctx), name(ctx))
                    .map(v -> Reply.ok(Map.of("deleted", name(ctx)))))
        .on(
            POST,
            configMaps,
            ctx ->
                Bodies.read(ctx.request(), Bodies.RESOURCE_LIMIT + 4096, HINT)
                    .compose(
                        b ->
                            api.writeConfigMap(
                                Parsing.resource(b, ConfigMap.class, ns(ctx), null), true))
                    .map(ConfigRoutes::reply))
        .on(
            PUT,
            configMaps + "/:name",
            ctx ->
                Bodies.read(ctx.request(), Bodies.RESOURCE_LIMIT + 4096, HINT)
                    .compose(
                        b ->
                            api.writeConfigMap(
                                Parsing.resource(b, ConfigMap.class, ns(ctx), name(ctx)), false))
                    .map(ConfigRoutes::reply))
        .on(GET, configMaps, ctx -> api.configMaps(ns(ctx)).map(l -> Reply.ok(Items.of(l))))
        .on(GET, configMaps + "/:name", ctx -> api.configMap(ns(ctx), name(ctx)).map(Reply::ok))
        .on(
            DELETE,
            configMaps + "/:name",
            ctx ->
                api.deleteConfigMap(ns(ctx), name(ctx))
                    .map(v -> Reply.ok(Map.of("deleted", name(ctx)))));
  }

  private static Reply reply(Written<?> w) {
    return w.created() ? Reply.created(w.resource()) : Reply.ok(w.resource());
  }

  private static String ns(RoutingContext ctx) {
    return ctx.pathParam("ns");
  }

  private static String name(RoutingContext ctx) {
    return ctx.pathParam("name");
  }
}
