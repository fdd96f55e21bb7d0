package dev.skiff.controlplane;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;

/**
 * Ends an HTTP/1.x response with a large body in slices, a few at a time.
 *
 * <p>Why: the socket takes direct memory, so Netty copies each heap buffer written to it into a
 * buffer of its pooled (adaptive) allocator, whose chunks are sized from the sizes it has been
 * asked for and then kept. A list of 1,000 revisions written as one 1 MB buffer made the event
 * loop's allocator take and keep an 8 MiB chunk (bench/notes/density.md, sixth round); in slices of
 * {@value #SLICE} bytes, with the next slice written only when the connection has drained, the
 * copies stay small and few. HTTP/2 needs none of this: its frames are at most 16 KiB already. The
 * API's replies and the {@code /metrics} scrape (megabytes with 1,000 revisions) use it.
 */
public final class SlicedBody {
  /** The size of one write. */
  public static final int SLICE = 16 * 1024;

  private SlicedBody() {}

  /** Ends {@code resp} with {@code body} (Content-Length set, not chunked). */
  public static void end(HttpServerResponse resp, HttpVersion version, Buffer body) {
    if (body.length() <= SLICE || version == HttpVersion.HTTP_2) {
      resp.end(body);
      return;
    }
    resp.putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(body.length()));
    writeFrom(resp, body, 0);
  }

  private static void writeFrom(HttpServerResponse resp, Buffer body, int from) {
    int at = from;
    while (at < body.length()) {
      if (resp.writeQueueFull()) {
        int next = at;
        resp.drainHandler(v -> writeFrom(resp, body, next));
        return;
      }
      int to = Math.min(at + SLICE, body.length());
      resp.write(body.slice(at, to));
      at = to;
    }
    resp.end();
  }
}
