package dev.skiff.proxy;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.http.GoAway;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.StreamResetException;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * Which failures of Vert.x's HTTP/2 client say that the server did not process a stream; the
 * acceptance tests with a real server are {@code GoAwayRetryTest} and mesh-proxy's {@code
 * MeshCallerIT}.
 */
class UnprocessedTest {
  private static final long NO_ERROR = 0;
  private static final long PROTOCOL_ERROR = 1;

  private static HttpClosedException closedBy(int lastStreamId, long errorCode) {
    return new HttpClosedException(
        new GoAway().setLastStreamId(lastStreamId).setErrorCode(errorCode));
  }

  @Test
  void aStreamAboveAServersGoAwayWasNotProcessed() {
    String reason = Unprocessed.reason(closedBy(1, NO_ERROR), 3);

    assertNotNull(reason);
    assertTrue(reason.contains("last stream 1"), reason);
    assertNotNull(Unprocessed.reason(closedBy(5, PROTOCOL_ERROR), 7), "any code: RFC 9113 6.8");
    assertNotNull(Unprocessed.reason(closedBy(0, NO_ERROR), 1), "none processed yet");
  }

  @Test
  void aStreamAtOrBelowTheLastStreamMayHaveBeenProcessed() {
    assertNull(Unprocessed.reason(closedBy(3, NO_ERROR), 3));
    assertNull(Unprocessed.reason(closedBy(3, NO_ERROR), 1));
  }

  @Test
  void theProxysOwnGoAwayDoesNotCount() {
    // It names the server's streams (even), or 0 with an error on the server's protocol error.
    assertNull(Unprocessed.reason(closedBy(2, NO_ERROR), 3));
    assertNull(Unprocessed.reason(closedBy(0, PROTOCOL_ERROR), 3));
  }

  @Test
  void aRefusedStreamWasNotProcessedAndOtherResetsMayHaveBeen() {
    assertNotNull(Unprocessed.reason(new StreamResetException(7), 3));
    assertNull(Unprocessed.reason(new StreamResetException(2), 3), "INTERNAL_ERROR");
    assertNull(Unprocessed.reason(new StreamResetException(8), 3), "CANCEL");
  }

  @Test
  void aCauseIsLookedThroughAndOtherFailuresDoNotCount() {
    assertNotNull(Unprocessed.reason(new IllegalStateException("wrapped", closedBy(1, 0)), 3));
    assertNull(Unprocessed.reason(new HttpClosedException("Connection was closed"), 3));
    assertNull(Unprocessed.reason(new IOException("Connection reset by peer"), 3));
    assertNull(Unprocessed.reason(closedBy(1, NO_ERROR), -1), "no stream was opened");
  }
}
