package dev.skiff.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.manifest.Json;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A STAND-IN for {@code GET /v1/instances?namespace=NS[&service=S]}, which the node side of the
 * mesh serves (node-runtime, mounted by skiffd on the API port like the logs endpoint) and which is
 * not on this branch yet. It answers exactly the shape the branches agreed on (items with name,
 * namespace, service, revision, kind, node, state, startedAt, restarts, address, identity; sorted
 * by service, revision, name; an unknown namespace is an empty list) from instances a test puts
 * here, behind the control plane's real guard. When the real endpoint is merged, mount it in {@link
 * LocalControlPlane} in place of this class, as {@link ServiceLogs} mounts the logs endpoint.
 */
final class StandInInstancesEndpoint {
  /** The path skiffd serves the endpoint at. */
  static final String PATH = "/v1/instances";

  /** The query of every request, as sent (raw), in order. */
  final List<String> queries = new CopyOnWriteArrayList<>();

  private final List<ObjectNode> instances = new CopyOnWriteArrayList<>();

  /**
   * Adds an instance as a node would list it; {@code startedAt}, {@code address} and {@code
   * identity} null while it starts.
   */
  void add(
      String namespace,
      String revision,
      int n,
      String state,
      String startedAt,
      int restarts,
      String address) {
    String service = revision.substring(0, revision.lastIndexOf('-'));
    ObjectNode i = Json.mapper().createObjectNode();
    i.put("name", namespace + "." + revision + "." + n);
    i.put("namespace", namespace);
    i.put("service", service);
    i.put("revision", revision);
    i.put("kind", "wasm");
    i.put("node", "local");
    i.put("state", state);
    i.put("startedAt", startedAt);
    i.put("restarts", restarts);
    i.put("address", address);
    i.put(
        "identity",
        address == null ? null : "spiffe://skiff.local/ns/" + namespace + "/svc/" + service);
    instances.add(i);
  }

  /** Adds an instance exactly as given, hostile values and all. */
  void addRaw(ObjectNode instance) {
    instances.add(instance);
  }

  Handler<RoutingContext> route() {
    return ctx -> {
      queries.add(ctx.request().query());
      String ns = ctx.queryParams().get("namespace");
      String service = ctx.queryParams().get("service");
      ArrayNode items = Json.mapper().createArrayNode();
      instances.stream()
          .filter(i -> i.path("namespace").asText().equals(ns))
          .filter(i -> service == null || i.path("service").asText().equals(service))
          .sorted(
              Comparator.<ObjectNode, String>comparing(i -> i.path("service").asText())
                  .thenComparing(i -> i.path("revision").asText())
                  .thenComparing(i -> i.path("name").asText()))
          .forEach(items::add);
      ObjectNode body = Json.mapper().createObjectNode();
      body.set("items", items);
      ctx.response().putHeader("Content-Type", "application/json").end(Json.write(body));
    };
  }
}
