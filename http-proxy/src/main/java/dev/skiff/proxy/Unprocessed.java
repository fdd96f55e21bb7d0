package dev.skiff.proxy;

import io.vertx.core.http.GoAway;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.StreamResetException;
import java.lang.reflect.Field;

/**
 * Whether an HTTP/2 server said it did not process a request, so that it can be sent again on
 * another connection whatever its method (RFC 9113 8.7), as Go's HTTP/2 transport does ({@code
 * canRetryError}: a GOAWAY above the stream, or REFUSED_STREAM): the stream was above the last
 * stream id of the GOAWAY the server sent as it shut the connection down (a graceful stop, a
 * connection-age or stream-count limit; 6.8), or the server reset it with REFUSED_STREAM. A stream
 * at or below that id may have been processed, and is not counted. What Vert.x's HTTP/2 client
 * fails such a request with is read: an {@link HttpClosedException} carrying the GOAWAY, or a
 * {@link StreamResetException} with the reset's code.
 */
public final class Unprocessed {
  /** RFC 9113 7: the stream was refused before any application processing. */
  static final long REFUSED_STREAM = 0x7;

  private static final long NO_ERROR = 0x0;

  /** {@link HttpClosedException}'s GOAWAY, read without the copy its accessor makes. */
  private static final Field GO_AWAY = goAwayField();

  private Unprocessed() {}

  /**
   * What the server said of stream {@code streamId} when it did not process it (for error
   * messages), or null when {@code err} does not say so.
   */
  public static String reason(Throwable err, long streamId) {
    for (Throwable t = err; t != null; t = t.getCause()) {
      if (t instanceof HttpClosedException closed) {
        GoAway goAway = goAwayOf(closed);
        if (goAway == null) {
          return null; // the connection closed without a GOAWAY, or it cannot be read
        }
        return aboveLastStream(goAway, streamId)
            ? "GOAWAY with last stream "
                + goAway.getLastStreamId()
                + ", below this request's stream "
                + streamId
            : null;
      }
      if (t instanceof StreamResetException reset) {
        return reset.getCode() == REFUSED_STREAM
            ? "the stream was reset with REFUSED_STREAM"
            : null;
      }
    }
    return null;
  }

  /**
   * The GOAWAY that closed the stream, or null. Vert.x 5.1's {@link HttpClosedException#goAway()}
   * copies the GOAWAY's debug data, a slice of the frame's buffer that is released once the frame
   * was read: for a stream failed later (one at or below the last stream, closed when the
   * connection ends; one whose request runs on another event loop), the copy throws Netty's
   * IllegalReferenceCountException. The field holds the same GOAWAY, whose last stream id and error
   * code stay readable.
   */
  private static GoAway goAwayOf(HttpClosedException closed) {
    if (GO_AWAY != null) {
      try {
        return (GoAway) GO_AWAY.get(closed);
      } catch (IllegalAccessException | RuntimeException e) {
        // the accessor below
      }
    }
    try {
      return closed.goAway();
    } catch (RuntimeException released) {
      return null;
    }
  }

  private static Field goAwayField() {
    try {
      Field f = HttpClosedException.class.getDeclaredField("goAway");
      f.setAccessible(true);
      return f.getType() == GoAway.class ? f : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null; // another Vert.x: the accessor, and no retry where it fails
    }
  }

  /**
   * Vert.x fails a stream with the GOAWAY its connection sent as well as with the one it received.
   * A server's GOAWAY names the last stream the client opened that it may process: odd, or 0 when
   * none. The proxy's own names the last stream the server opened (even; 0 without server push),
   * sent as it closes the connection, gracefully (NO_ERROR: the client is closing, and a request
   * sent again fails with it), or on a protocol error of the server, after which a stream may have
   * been processed. So an odd last stream, or 0 with NO_ERROR, counts; anything else does not.
   */
  private static boolean aboveLastStream(GoAway goAway, long streamId) {
    int last = goAway.getLastStreamId();
    boolean fromServer = last % 2 == 1 || (last == 0 && goAway.getErrorCode() == NO_ERROR);
    return fromServer && streamId > 0 && streamId > last;
  }
}
