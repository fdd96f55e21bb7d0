package dev.skiff.nodeagent;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.nodeagent.internal.NodeKeys;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;

/**
 * The renewal timer of a certificate held over the node port ({@link RemoteNodeAgent}'s node
 * certificate, {@link ComponentLink}'s): renewal at the certificate's {@code renewAt} (at least 1 s
 * away), a fresh key for each renewal, and on failure another try a tenth of the time left later (1
 * s to 1 min), logged.
 */
final class CertificateRenewal {
  private final Vertx vertx;
  private final Clock clock;
  private final System.Logger log;
  private volatile long timer = -1;

  /**
   * @param log the owner's logger, so its messages keep the owner's name
   */
  CertificateRenewal(Vertx vertx, Clock clock, System.Logger log) {
    this.vertx = vertx;
    this.clock = clock;
    this.log = log;
  }

  /** Runs {@code renew} at {@code renewAt}, at least 1 s from now, in place of any set before. */
  void schedule(Instant renewAt, Runnable renew) {
    vertx.cancelTimer(timer);
    long ms = Math.max(1000, Duration.between(clock.instant(), renewAt).toMillis());
    timer = vertx.setTimer(ms, t -> renew.run());
  }

  /** Stops what is scheduled. */
  void cancel() {
    vertx.cancelTimer(timer);
  }

  /**
   * Makes a fresh key for {@code id} (off the event loop) and has {@code sign} trade its CSR for
   * the renewed credentials; when that fails, logs it as renewing {@code what} and runs {@code
   * retry} a tenth of {@code current}'s time left later (1 s to 1 min).
   */
  Future<NodeCredentials> renew(
      NodeCredentials current,
      SpiffeId id,
      Function<NodeKeys, Future<NodeCredentials>> sign,
      String what,
      Runnable retry) {
    return vertx
        .executeBlocking(() -> NodeKeys.create(id), false)
        .compose(sign)
        .onFailure(
            e -> {
              Duration left = Duration.between(clock.instant(), current.notAfter());
              long ms = Math.max(1000, Math.min(60_000, left.toMillis() / 10));
              log.log(
                  System.Logger.Level.WARNING,
                  "renewing " + what + " failed; retrying in " + ms + " ms: " + e);
              timer = vertx.setTimer(ms, t -> retry.run());
            });
  }
}
