package dev.skiff.console.internal;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * Serves the console's files from the jar: a fixed list read once at start-up, so no request path
 * ever reaches a file system or a class-path lookup. Every answer carries a Content Security Policy
 * that allows only this origin's scripts, styles and connections (no inline script, no framing), so
 * a value the API returns can never run as code next to the token the page holds.
 */
public final class Assets implements Handler<RoutingContext> {
  private static final String ROOT = "/dev/skiff/console/ui/";
  private static final Map<String, String> TYPES =
      Map.of(
          "index.html", "text/html; charset=utf-8",
          "app.js", "text/javascript; charset=utf-8",
          "api.js", "text/javascript; charset=utf-8",
          "plot.js", "text/javascript; charset=utf-8",
          "view.js", "text/javascript; charset=utf-8",
          "style.css", "text/css; charset=utf-8");

  /** The policy on every answer; see docs/security.md (the console). */
  static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
          + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final Map<String, Buffer> files;

  private Assets(Map<String, Buffer> files) {
    this.files = Map.copyOf(files);
  }

  /** Reads the console's files; fails if one is missing from the jar (a build defect). */
  public static Assets load() {
    Map<String, Buffer> files = new HashMap<>();
    for (String name : TYPES.keySet()) {
      try (InputStream in = Assets.class.getResourceAsStream(ROOT + name)) {
        if (in == null) {
          throw new IllegalStateException("the console's " + name + " is missing from the jar");
        }
        files.put(name, Buffer.buffer(in.readAllBytes()));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read the console's " + name, e);
      }
    }
    return new Assets(files);
  }

  @Override
  public void handle(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    String name = path.substring(path.indexOf("/ui/") + 4);
    if (name.isEmpty()) {
      name = "index.html";
    }
    HttpServerResponse resp = ctx.response();
    resp.putHeader("Content-Security-Policy", CSP)
        .putHeader("X-Content-Type-Options", "nosniff")
        .putHeader("X-Frame-Options", "DENY")
        .putHeader("Referrer-Policy", "no-referrer")
        .putHeader("Cache-Control", "no-cache");
    Buffer body = files.get(name);
    if (body == null) {
      resp.setStatusCode(404)
          .putHeader("Content-Type", "text/plain; charset=utf-8")
          .end("no such file in the console: " + name + "\n");
      return;
    }
    resp.putHeader("Content-Type", TYPES.get(name)).end(body);
  }
}
