package dev.skiff.controlplane.internal.http;

import dev.skiff.controlplane.ControlPlaneException;
import dev.skiff.controlplane.UnauthorizedException;
import dev.skiff.controlplane.internal.auth.AccessPolicy;
import dev.skiff.controlplane.internal.auth.MediaTypes;
import dev.skiff.controlplane.internal.auth.Principal;
import dev.skiff.controlplane.internal.auth.RequestOrigin;
import dev.skiff.controlplane.internal.auth.TokenRegistry;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.Set;

/**
 * The first handler of every API request. In order: {@code /healthz} passes; the Host, Origin and
 * Sec-Fetch-Site checks ({@link RequestOrigin}); open paths ({@code /metrics} unless configured
 * otherwise) pass; the bearer token is authenticated (401); the role must allow the method and path
 * ({@link AccessPolicy}, 403); paths under the open prefix (the console's static files, which hold
 * no data) pass after the Host and Origin checks; a write must carry an accepted Content-Type
 * ({@link MediaTypes}, 415).
 */
final class ApiGuard implements Handler<RoutingContext> {
  /** The routing-context key holding the authenticated {@link Principal}. */
  static final String PRINCIPAL = "skiff.principal";

  private final TokenRegistry tokens;
  private final RequestOrigin origin;
  private final Set<String> openPaths;
  private final String openPrefix;
  private final String tokenHint;

  ApiGuard(
      TokenRegistry tokens,
      RequestOrigin origin,
      Set<String> openPaths,
      String openPrefix,
      String tokenHint) {
    this.openPrefix = openPrefix;
    this.tokens = tokens;
    this.origin = origin;
    this.openPaths = Set.copyOf(openPaths);
    this.tokenHint = tokenHint;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    if (path.equals("/healthz")) {
      ctx.next();
      return;
    }
    HttpServerRequest req = ctx.request();
    try {
      origin.check(req);
    } catch (ControlPlaneException e) {
      Replies.failure(ctx, e);
      return;
    }
    if (openPaths.contains(path) || open(path)) {
      ctx.next();
      return;
    }
    String token = bearer(req.getHeader("Authorization"));
    if (token == null) {
      Replies.failure(
          ctx,
          new UnauthorizedException(
              req.getHeader("Authorization") == null
                  ? "this API needs a token: send Authorization: Bearer <token>"
                  : "the Authorization header is not 'Bearer <token>'",
              tokenHint));
      return;
    }
    // Authenticating scoped tokens reads the store: hold the body until a route reads it.
    req.pause();
    tokens
        .authenticate(token)
        .onComplete(
            ar -> {
              try {
                if (ar.failed()) {
                  Replies.failure(ctx, ar.cause());
                  return;
                }
                Principal p =
                    ar.result()
                        .orElseThrow(
                            () -> new UnauthorizedException("the token is not valid", tokenHint));
                AccessPolicy.check(p, req.method(), path);
                MediaTypes.check(req.method(), path, req.getHeader("Content-Type"));
                ctx.put(PRINCIPAL, p);
                ctx.next();
              } catch (ControlPlaneException e) {
                Replies.failure(ctx, e);
              } finally {
                req.resume();
              }
            });
  }

  /**
   * Under the open prefix, or the prefix without its slash ({@code /ui} redirects to {@code /ui/}).
   */
  private boolean open(String path) {
    return openPrefix != null
        && (path.startsWith(openPrefix)
            || path.equals(openPrefix.substring(0, openPrefix.length() - 1)));
  }

  private static String bearer(String header) {
    if (header == null) {
      return null;
    }
    String h = header.trim();
    if (h.length() < 8 || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = h.substring(7).trim();
    return token.isEmpty() ? null : token;
  }
}
