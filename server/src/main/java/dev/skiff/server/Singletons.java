package dev.skiff.server;

import dev.skiff.controlplane.spi.Leadership;
import io.vertx.core.Future;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Objects;

/**
 * What only one skiffd on a store may run, started while this one leads the role and stopped when
 * it does not: the control plane's rollouts, lease checks and placement, and the status the
 * in-process agent writes ({@link GatedStatusReporter}). One role for all of them, since they feed
 * each other: placement reads the decisions of this JVM's autoscaler. With the embedded store the
 * leadership is {@link Leadership#alone()}: this skiffd leads at once and for good.
 */
final class Singletons {
  private static final System.Logger LOG = System.getLogger(Singletons.class.getName());

  /** The role skiffd campaigns for: {@code /skiff-leaders/control-plane} in etcd. */
  static final String ROLE = "control-plane";

  /** One thing only the leader runs. Both calls may come again, in any order. */
  interface Singleton {
    /** Starts (or resumes) it; the future completes once it runs. */
    Future<Void> lead();

    /** Stops it: it writes nothing on its own until {@link #lead} again. */
    void follow();
  }

  private final Leadership leadership;
  private final String identity;
  private final List<Singleton> members;
  private volatile Leadership.Campaign campaign;
  private volatile boolean leading;

  Singletons(Leadership leadership, String identity, List<Singleton> members) {
    this.leadership = Objects.requireNonNull(leadership);
    this.identity = identity;
    this.members = List.copyOf(members);
  }

  /** Campaigns for {@link #ROLE}; never blocks. */
  void start() {
    campaign = leadership.campaign(ROLE, this::onChange);
  }

  /** Whether this skiffd leads now. */
  boolean leading() {
    return leading;
  }

  private synchronized void onChange(boolean lead) {
    if (lead == leading) {
      return;
    }
    leading = lead;
    if (lead) {
      LOG.log(
          Level.INFO, "{0} leads {1}: starting rollouts, lease checks, placement", identity, ROLE);
      for (Singleton s : members) {
        s.lead()
            .onFailure(
                e -> LOG.log(Level.WARNING, "a singleton did not start: {0}", e.getMessage()));
      }
    } else {
      LOG.log(Level.WARNING, "{0} no longer leads {1}: stopping its singletons", identity, ROLE);
      for (Singleton s : members) {
        s.follow();
      }
    }
  }

  /** Gives the role up at once (a clean stop), so another skiffd takes over quickly. */
  Future<Void> resign() {
    Leadership.Campaign c = campaign;
    onChange(false);
    return c == null ? Future.succeededFuture() : c.resign();
  }
}
