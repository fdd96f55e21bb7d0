package dev.skiff.activator.internal;

import dev.skiff.activator.Activator;
import dev.skiff.activator.MissingRevisionException;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.proxy.Stage;
import io.vertx.core.Future;
import java.time.Duration;

/**
 * Reads which revision the request is for ({@value Activator#REVISION_NAMESPACE_HEADER}, {@value
 * Activator#REVISION_NAME_HEADER}; 400 without them), the request id, and the request's timeout
 * ({@value Activator#REQUEST_TIMEOUT_HEADER}, else the configured default).
 */
final class IdentifyRevision implements Stage<Exchange> {
  private static final String REQUEST_ID = "x-request-id";

  private final Duration defaultTimeout;
  private final Stage<Exchange> next;

  IdentifyRevision(Duration defaultTimeout, Stage<Exchange> next) {
    this.defaultTimeout = defaultTimeout;
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    x.requestId(x.request().getHeader(REQUEST_ID));
    String ns = x.request().getHeader(Activator.REVISION_NAMESPACE_HEADER);
    String name = x.request().getHeader(Activator.REVISION_NAME_HEADER);
    if (blankOrSlashed(ns) || blankOrSlashed(name)) {
      return Future.failedFuture(
          new MissingRevisionException(
              "the request does not name its revision (headers "
                  + Activator.REVISION_NAMESPACE_HEADER
                  + ": '"
                  + ns
                  + "', "
                  + Activator.REVISION_NAME_HEADER
                  + ": '"
                  + name
                  + "')",
              "the activator only takes requests from the gateway, which sets both headers; send"
                  + " requests to the gateway instead"));
    }
    x.revision(RevisionKey.of(ns, name));
    x.timeout(timeoutOf(x.request().getHeader(Activator.REQUEST_TIMEOUT_HEADER)));
    return Stage.call(next, x);
  }

  private Duration timeoutOf(String header) {
    if (header != null) {
      try {
        long millis = Long.parseLong(header.trim());
        if (millis > 0) {
          return Duration.ofMillis(millis);
        }
      } catch (NumberFormatException e) {
        // fall through to the default: a bad hint must not fail the request
      }
    }
    return defaultTimeout;
  }

  private static boolean blankOrSlashed(String v) {
    return v == null || v.isBlank() || v.indexOf('/') >= 0;
  }
}
