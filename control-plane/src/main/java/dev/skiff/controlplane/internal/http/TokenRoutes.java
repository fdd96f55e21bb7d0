package dev.skiff.controlplane.internal.http;

import static io.vertx.core.http.HttpMethod.DELETE;
import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;

import dev.skiff.controlplane.internal.auth.TokenRegistry;
import java.util.Map;

/** {@code /v1/tokens}: scoped tokens, admin only (see {@link ApiGuard}). */
final class TokenRoutes {
  /** The body of {@code POST /v1/tokens}. */
  record TokenRequest(String name, String role, String namespace) {}

  private final TokenRegistry tokens;

  TokenRoutes(TokenRegistry tokens) {
    this.tokens = tokens;
  }

  void register(Routes routes) {
    routes
        .on(
            POST,
            "/v1/tokens",
            ctx ->
                Bodies.read(ctx.request(), 4096, "a token request is a small JSON object")
                    .map(body -> Parsing.json(body, TokenRequest.class))
                    .compose(r -> tokens.create(r.name(), r.role(), r.namespace()))
                    .map(Reply::created))
        .on(GET, "/v1/tokens", ctx -> tokens.list().map(l -> Reply.ok(Map.of("items", l))))
        .on(
            DELETE,
            "/v1/tokens/:name",
            ctx ->
                tokens
                    .delete(ctx.pathParam("name"))
                    .map(v -> Reply.ok(Map.of("deleted", ctx.pathParam("name")))));
  }
}
