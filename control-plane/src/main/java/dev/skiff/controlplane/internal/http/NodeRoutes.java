package dev.skiff.controlplane.internal.http;

import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.skiff.api.validation.Durations;
import dev.skiff.controlplane.BadRequestException;
import dev.skiff.controlplane.internal.nodes.NodeAdmin;
import java.time.Duration;
import java.util.Map;

/**
 * {@code /v1/cluster}: node bootstrap tokens ({@code /v1/cluster/tokens}), nodes with their lease
 * and allocation ({@code /v1/cluster/nodes}) and cordon, uncordon and drain. Writes need the admin
 * token ({@link dev.skiff.controlplane.internal.auth.AccessPolicy}).
 */
final class NodeRoutes {
  /** The body of {@code POST /v1/cluster/tokens}: all optional; {@code for} is node or edge. */
  record TokenRequest(@JsonProperty("for") String joinsAs, String node, String ttl) {}

  private final NodeAdmin nodes;

  NodeRoutes(NodeAdmin nodes) {
    this.nodes = nodes;
  }

  void register(Routes routes) {
    routes
        .on(
            POST,
            "/v1/cluster/tokens",
            ctx ->
                Bodies.read(ctx.request(), 4096, "a token request is a small JSON object")
                    .map(
                        body ->
                            body.length() == 0
                                ? new TokenRequest(null, null, null)
                                : Parsing.json(body, TokenRequest.class))
                    .compose(r -> nodes.createToken(r.joinsAs(), r.node(), ttl(r.ttl())))
                    .map(Reply::created))
        .on(
            GET,
            "/v1/cluster/tokens",
            ctx -> nodes.tokens().list().map(l -> Reply.ok(Map.of("items", l))))
        .on(
            DELETE,
            "/v1/cluster/tokens/:id",
            ctx ->
                nodes
                    .tokens()
                    .delete(ctx.pathParam("id"))
                    .map(v -> Reply.ok(Map.of("deleted", ctx.pathParam("id")))))
        .on(GET, "/v1/cluster/nodes", ctx -> nodes.views().map(l -> Reply.ok(Map.of("items", l))))
        .on(GET, "/v1/cluster/nodes/:name", ctx -> nodes.view(ctx.pathParam("name")).map(Reply::ok))
        .on(
            POST,
            "/v1/cluster/nodes/:name/cordon",
            ctx -> nodes.cordon(ctx.pathParam("name"), true).map(Reply::ok))
        .on(
            POST,
            "/v1/cluster/nodes/:name/uncordon",
            ctx -> nodes.cordon(ctx.pathParam("name"), false).map(Reply::ok))
        .on(
            POST,
            "/v1/cluster/nodes/:name/drain",
            ctx -> nodes.drain(ctx.pathParam("name")).map(Reply::ok));
  }

  private static Duration ttl(String ttl) {
    if (ttl == null) {
      return null;
    }
    try {
      return Durations.parse(ttl);
    } catch (IllegalArgumentException e) {
      throw BadRequestException.of("ttl", e.getMessage(), "give a duration like 1h or 24h");
    }
  }
}
