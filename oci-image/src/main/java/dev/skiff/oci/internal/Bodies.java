package dev.skiff.oci.internal;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import java.nio.charset.StandardCharsets;

/**
 * Reading response bodies that {@link RegistryHttp} hands over paused: whole but bounded, or not at
 * all. A body is always consumed one way or the other, so its connection goes back to the pool.
 */
public final class Bodies {
  private static final int MAX_ERROR_BODY = 16 * 1024;

  private Bodies() {}

  /**
   * Reads the body, up to {@code limit + 1} bytes: a longer body is cut there (its connection
   * closed), so the caller sees it is too long without anyone buffering the rest.
   */
  public static Future<Buffer> read(HttpClientResponse response, int limit) {
    Promise<Buffer> done = Promise.promise();
    Buffer body = Buffer.buffer();
    response.exceptionHandler(done::tryFail);
    response.handler(
        chunk -> {
          if (body.length() > limit) {
            return;
          }
          int room = limit + 1 - body.length();
          body.appendBuffer(chunk.length() <= room ? chunk : chunk.slice(0, room));
          if (body.length() > limit) {
            done.tryComplete(body);
            response.request().reset();
          }
        });
    response.endHandler(v -> done.tryComplete(body));
    response.resume();
    return done.future();
  }

  /** The start of an error body, as text, for messages; never fails. */
  public static Future<String> error(HttpClientResponse response) {
    return read(response, MAX_ERROR_BODY)
        .map(b -> b.getString(0, Math.min(b.length(), MAX_ERROR_BODY), "UTF-8"))
        .otherwise("");
  }

  /** Drops the body. */
  public static void discard(HttpClientResponse response) {
    response.exceptionHandler(e -> {});
    response.handler(chunk -> {});
    response.resume();
  }

  static String text(Buffer b) {
    return new String(b.getBytes(), StandardCharsets.UTF_8);
  }
}
