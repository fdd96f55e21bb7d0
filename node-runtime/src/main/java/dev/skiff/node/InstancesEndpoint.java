package dev.skiff.node;

import dev.skiff.api.manifest.Json;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * {@code GET /v1/instances?namespace=NS[&service=S]}: every instance of the namespace on this node
 * (of one service with {@code service}), with its state, start time, restarts and the address and
 * identity of its front, with those other nodes report beside them, sorted by service, revision and
 * name, as {@code {"items":[...]}} (docs/rest-api.md). An unknown namespace or service is an empty
 * list.
 */
public final class InstancesEndpoint implements Handler<RoutingContext> {
  private final NodeAgent agent;
  private final BiFunction<String, String, List<InstanceInfo>> others;

  /**
   * @param others the instances other nodes report for a namespace and service (null: all of the
   *     namespace)
   */
  public InstancesEndpoint(NodeAgent agent, BiFunction<String, String, List<InstanceInfo>> others) {
    this.agent = agent;
    this.others = others;
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
              all.addAll(others.apply(ns, service));
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

  /**
   * One item of {@code GET /v1/instances}, nulls kept (a starting instance has no address yet);
   * also the form of a cluster's list.
   */
  public static Map<String, Object> item(InstanceInfo i) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", i.name());
    m.put("namespace", i.namespace());
    m.put("service", i.service());
    m.put("revision", i.revision());
    m.put("kind", i.kind());
    m.put("node", i.node());
    m.put("state", i.state());
    m.put(
        "startedAt",
        i.startedAt() == null ? null : i.startedAt().truncatedTo(ChronoUnit.SECONDS).toString());
    m.put("restarts", i.restarts());
    m.put("address", i.address());
    m.put("identity", i.identity());
    return m;
  }
}
