package dev.skiff.controlplane.internal.http;

import static dev.skiff.controlplane.internal.http.ServiceRoutes.name;
import static dev.skiff.controlplane.internal.http.ServiceRoutes.ns;
import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.PUT;

import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.controlplane.internal.resources.Keys;
import dev.skiff.controlplane.internal.resources.ResourceApi;
import java.util.Map;

/** {@code /v1/namespaces/{ns}/revisions}: read, delete, and status reports from nodes. */
final class RevisionRoutes {
  private final ResourceApi api;

  RevisionRoutes(ResourceApi api) {
    this.api = api;
  }

  void register(Routes routes) {
    String one = "/v1/namespaces/:ns/revisions/:name";
    routes
        .on(
            GET,
            "/v1/namespaces/:ns/revisions",
            ctx ->
                api.revisions(ns(ctx), ctx.request().getParam("service"))
                    .map(l -> Reply.ok(Items.of(l))))
        .on(GET, "/v1/revisions", ctx -> api.revisions(null, null).map(l -> Reply.ok(Items.of(l))))
        .on(
            GET,
            one,
            ctx ->
                api.get(
                        Keys.revision(ns(ctx), name(ctx)),
                        Revision.class,
                        "revision " + ns(ctx) + "/" + name(ctx))
                    .map(Reply::ok))
        .on(
            DELETE,
            one,
            ctx ->
                api.deleteRevision(ns(ctx), name(ctx))
                    .map(v -> Reply.ok(Map.of("deleted", name(ctx)))))
        .on(
            PUT,
            one + "/status",
            ctx ->
                Bodies.read(ctx.request(), Bodies.RESOURCE_LIMIT, "a status is small")
                    .map(body -> Parsing.json(body, RevisionStatus.class))
                    .compose(status -> api.setRevisionStatus(ns(ctx), name(ctx), status))
                    .map(Reply::ok));
  }
}
