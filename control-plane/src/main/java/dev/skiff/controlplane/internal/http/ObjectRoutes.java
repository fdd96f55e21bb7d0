package dev.skiff.controlplane.internal.http;

import static dev.skiff.controlplane.internal.http.ServiceRoutes.name;
import static dev.skiff.controlplane.internal.http.ServiceRoutes.ns;
import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;
import static io.vertx.core.http.HttpMethod.PUT;

import dev.skiff.api.model.Node;
import dev.skiff.api.model.Trigger;
import dev.skiff.api.model.TriggerStatus;
import dev.skiff.controlplane.internal.resources.Keys;
import dev.skiff.controlplane.internal.resources.ResourceApi;
import dev.skiff.controlplane.internal.resources.Written;
import java.util.Map;

/** Triggers ({@code /v1/namespaces/{ns}/triggers}) and cluster-scoped nodes ({@code /v1/nodes}). */
final class ObjectRoutes {
  private static final String HINT = "a manifest is at most 1 MiB";

  private final ResourceApi api;

  ObjectRoutes(ResourceApi api) {
    this.api = api;
  }

  void register(Routes routes) {
    String trigger = "/v1/namespaces/:ns/triggers/:name";
    routes
        .on(
            POST,
            "/v1/namespaces/:ns/triggers",
            ctx ->
                Bodies.read(ctx.request(), Bodies.RESOURCE_LIMIT, HINT)
                    .compose(
                        b ->
                            api.writeTrigger(
                                Parsing.resource(b, Trigger.class, ns(ctx), null), true))
                    .map(ObjectRoutes::reply))
        .on(
            PUT,
            trigger,
            ctx ->
                Bodies.read(ctx.request(), Bodies.RESOURCE_LIMIT, HINT)
                    .compose(
                        b ->
                            api.writeTrigger(
                                Parsing.resource(b, Trigger.class, ns(ctx), name(ctx)), false))
                    .map(ObjectRoutes::reply))
        .on(
            GET,
            "/v1/namespaces/:ns/triggers",
            ctx -> api.list(Keys.triggers(ns(ctx)), Trigger.class).map(l -> Reply.ok(Items.of(l))))
        .on(
            GET,
            "/v1/triggers",
            ctx -> api.list(Keys.TRIGGERS, Trigger.class).map(l -> Reply.ok(Items.of(l))))
        .on(
            GET,
            trigger,
            ctx ->
                api.get(
                        Keys.trigger(ns(ctx), name(ctx)),
                        Trigger.class,
                        "trigger " + ns(ctx) + "/" + name(ctx))
                    .map(Reply::ok))
        .on(
            DELETE,
            trigger,
            ctx ->
                api.deleteTrigger(ns(ctx), name(ctx))
                    .map(v -> Reply.ok(Map.of("deleted", name(ctx)))))
        .on(
            PUT,
            trigger + "/status",
            ctx ->
                Bodies.read(ctx.request(), Bodies.RESOURCE_LIMIT, "a status is small")
                    .map(body -> Parsing.json(body, TriggerStatus.class))
                    .compose(status -> api.setTriggerStatus(ns(ctx), name(ctx), status))
                    .map(Reply::ok));
    String node = "/v1/nodes/:name";
    routes
        .on(
            POST,
            "/v1/nodes",
            ctx ->
                Bodies.read(ctx.request(), Bodies.RESOURCE_LIMIT, HINT)
                    .compose(b -> api.writeNode(Parsing.resource(b, Node.class, null, null), true))
                    .map(ObjectRoutes::reply))
        .on(
            PUT,
            node,
            ctx ->
                Bodies.read(ctx.request(), Bodies.RESOURCE_LIMIT, HINT)
                    .compose(
                        b -> api.writeNode(Parsing.resource(b, Node.class, null, name(ctx)), false))
                    .map(ObjectRoutes::reply))
        .on(
            GET,
            "/v1/nodes",
            ctx -> api.list(Keys.NODES, Node.class).map(l -> Reply.ok(Items.of(l))))
        .on(
            GET,
            node,
            ctx -> api.get(Keys.node(name(ctx)), Node.class, "node " + name(ctx)).map(Reply::ok))
        .on(
            DELETE,
            node,
            ctx -> api.deleteNode(name(ctx)).map(v -> Reply.ok(Map.of("deleted", name(ctx)))));
  }

  private static Reply reply(Written<?> w) {
    return w.created() ? Reply.created(w.resource()) : Reply.ok(w.resource());
  }
}
