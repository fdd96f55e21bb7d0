package dev.skiff.controlplane.spi;

import io.vertx.core.Future;
import io.vertx.core.Handler;

/**
 * Who runs a singleton (the reconciler, the autoscaler) when several control planes share one
 * store: each campaigns for a role, at most one leads it at a time, and when the leader dies or is
 * cut off another takes over once the leader's lease expires.
 *
 * <p>Threads: {@link #campaign} may be called from any thread and never blocks; the handler runs on
 * the caller's Vert.x context when there is one, else on a store thread, one change at a time.
 */
public interface Leadership {

  /**
   * Campaigns for {@code role}: {@code onChange} gets {@code true} when this process starts leading
   * it and {@code false} when it stops (lost lease, cut off from the store, resigned). A leader cut
   * off from the store stops leading before its lease can expire, so two never lead at once as far
   * as their clocks agree.
   */
  Campaign campaign(String role, Handler<Boolean> onChange);

  /** One process's campaign for one role. */
  interface Campaign {
    /** Whether this process leads the role now. */
    boolean leading();

    /** Stops campaigning; a leader gives the role up at once, so another takes over quickly. */
    Future<Void> resign();
  }

  /** One process alone: it leads every role at once and forever (the embedded store). */
  static Leadership alone() {
    return (role, onChange) -> {
      var ctx = io.vertx.core.Vertx.currentContext();
      if (ctx != null) {
        ctx.runOnContext(v -> onChange.handle(true));
      } else {
        onChange.handle(true);
      }
      return new Campaign() {
        private volatile boolean leading = true;

        @Override
        public boolean leading() {
          return leading;
        }

        @Override
        public Future<Void> resign() {
          if (leading) {
            leading = false;
            onChange.handle(false);
          }
          return Future.succeededFuture();
        }
      };
    };
  }
}
