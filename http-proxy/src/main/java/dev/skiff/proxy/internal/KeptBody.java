package dev.skiff.proxy.internal;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.streams.ReadStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves a client's request body to the upstream request of the current attempt with back-pressure,
 * and keeps the chunks it moved while they add up to at most a bound, so that an attempt the
 * upstream did not process can be followed by one that sends the same bytes again, then the rest as
 * the client sends it. Past the bound nothing is kept (what was kept is let go at once): memory per
 * request stays under the bound whatever the client sends, and such a body is not sent again.
 *
 * <p>The chunks are kept as the client's request delivered them, not copied: Vert.x hands each out
 * as a heap buffer of its own (copied off the connection's pooled buffers), and writing one
 * upstream writes a slice of it, so a kept chunk can be written again and holds no pooled memory.
 * Confined to the request's event loop.
 */
final class KeptBody {
  private final ReadStream<Buffer> client;
  private final int bound;

  /** The chunks moved so far, in order; null when they are not kept (or no longer). */
  private List<Buffer> kept;

  private int keptBytes;

  /** Why the client's body broke (between attempts, too); null while it has not. */
  private Throwable broken;

  /** A chunk read before the body began to flow, for the first attempt. */
  private Buffer unsent;

  private boolean ended;

  /** The upstream request of the attempt the body flows to; null between attempts. */
  private HttpClientRequest target;

  /**
   * @param client the client's body ({@link ClientBody}: its read timeout, its failures named)
   * @param first a chunk already read from the client (the first of an HTTP/2 body), or null
   * @param keep whether to keep the chunks for another attempt
   */
  KeptBody(ReadStream<Buffer> client, int bound, Buffer first, boolean keep) {
    this.client = client;
    this.bound = bound;
    this.kept = keep ? new ArrayList<>() : null;
    this.unsent = first;
    client.handler(this::moved);
    client.endHandler(v -> ended());
    // The client aborted, broke or stalled its upload: the attempt is reset, and the client's fault
    // wins over whatever the reset made of the exchange (RequestBody).
    client.exceptionHandler(
        err -> {
          broken = err;
          HttpClientRequest up = target;
          if (up != null) {
            up.reset(0, err);
          }
        });
  }

  /**
   * Sends the body on {@code up}: what was kept first (a later attempt), then the rest as the
   * client sends it. Nothing is kept beyond this attempt unless {@code keepOn}. Stops moving the
   * body, and holds the client back, when the attempt fails before its answer.
   */
  void to(HttpClientRequest up, boolean keepOn) {
    target = up;
    // The attempt's failure reaches the proxy through the response future; without a handler,
    // Vert.x would log it as unhandled too (as the pipe this replaces did not let it).
    up.exceptionHandler(err -> {});
    if (broken != null) {
      // Broke while held back between the attempts: its rest never comes.
      up.reset(0, broken);
      return;
    }
    List<Buffer> again = kept;
    if (!keepOn) {
      release();
    }
    if (again != null) {
      for (Buffer chunk : again) {
        up.write(chunk);
      }
    }
    if (unsent != null) {
      Buffer first = unsent;
      unsent = null;
      keep(first);
      up.write(first);
    }
    Runnable detach =
        () -> {
          if (target == up) {
            target = null;
            client.pause();
          }
        };
    up.response()
        .onComplete(
            ar -> {
              if (ar.failed()) {
                detach.run();
              } else {
                release(); // an answer came: nothing is sent again after one
              }
            });
    if (ended) {
      up.end();
    } else {
      flowTo(up);
    }
  }

  /** How many bytes are kept now: at most the bound. */
  int keptBytes() {
    return keptBytes;
  }

  /** Whether every byte read from the client so far is kept (another attempt can send them all). */
  boolean whole() {
    return kept != null;
  }

  /** Lets go of what was kept: the exchange is over, or no other attempt will follow. */
  void release() {
    kept = null;
    keptBytes = 0;
  }

  /**
   * The exchange is over: lets go of what was kept, and, when no attempt takes the body any longer,
   * of the client's request, which the proxy's error answer may drain (an answered attempt still
   * takes the rest of the body, as an upstream may answer before the body's end).
   */
  void over() {
    release();
    if (target == null) {
      client.handler(null);
      client.exceptionHandler(null);
      client.endHandler(null);
    }
  }

  private void flowTo(HttpClientRequest up) {
    up.drainHandler(
        v -> {
          if (target == up) {
            client.resume();
          }
        });
    client.resume(); // a chunk that fills the write queue pauses it again (moved)
  }

  private void moved(Buffer chunk) {
    keep(chunk);
    HttpClientRequest up = target;
    if (up == null) {
      // Paused between attempts, so none should come; kept if it fits, and if it does not, the body
      // is no longer whole and no attempt follows.
      return;
    }
    up.write(chunk);
    if (up.writeQueueFull()) {
      client.pause();
    }
  }

  private void ended() {
    ended = true;
    HttpClientRequest up = target;
    if (up != null) {
      up.end();
    }
  }

  private void keep(Buffer chunk) {
    if (kept == null) {
      return;
    }
    if (keptBytes + chunk.length() > bound) {
      release();
      return;
    }
    kept.add(chunk);
    keptBytes += chunk.length();
  }
}
