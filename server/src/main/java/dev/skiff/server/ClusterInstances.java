package dev.skiff.server;

import dev.skiff.api.manifest.Json;
import dev.skiff.node.InstanceInfo;
import dev.skiff.node.InstancesEndpoint;
import dev.skiff.node.NodeAgent;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/instances?namespace=NS[&service=S]}: the instances of this skiffd's node and those
 * remote nodes report ({@link RemoteEndpoints}), each with its node, as {@code {"items":[...]}}
 * (docs/rest-api.md); node-runtime's {@code InstancesEndpoint} lists the local ones alone.
 */
final class ClusterInstances implements Handler<RoutingContext> {
  private final NodeAgent agent;
  private final RemoteEndpoints remote;

  ClusterInstances(NodeAgent agent, RemoteEndpoints remote) {
    this.agent = agent;
    this.remote = remote;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String ns = ctx.queryParams().get("namespace");
    String s = ctx.queryParams().get("service");
    String service = s == null || s.isBlank() ? null : s;
    if (ns == null || ns.isBlank()) {
      ctx.response()
          .setStatusCode(400)
          .putHeader("Content-Type", "application/json")
          .end(
              Json.write(
                  Map.of(
                      "error",
                      "namespace: the query parameter is missing",
                      "hint",
                      "ask for /v1/instances?namespace=NS, optionally with &service=NAME")));
      return;
    }
    agent
        .instances(ns, service)
        .onComplete(
            ar -> {
              if (ctx.response().ended() || ctx.response().closed()) {
                return;
              }
              if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
              }
              List<InstanceInfo> all = new ArrayList<>(ar.result());
              all.addAll(remote.instances(ns, service));
              all.sort(
                  Comparator.comparing(InstanceInfo::service)
                      .thenComparing(InstanceInfo::revision)
                      .thenComparing(InstanceInfo::name));
              ctx.response()
                  .putHeader("Content-Type", "application/json")
                  .end(
                      Json.write(
                          Map.of("items", all.stream().map(InstancesEndpoint::item).toList())));
            });
  }
}
