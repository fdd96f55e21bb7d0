package dev.skiff.controlplane.internal.nodes;

import dev.skiff.api.model.Node;
import dev.skiff.api.model.NodeSpec;
import dev.skiff.api.validation.Durations;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Ready from the lease: a registration or heartbeat renews a node's lease and makes it Ready; a
 * lease that runs out makes it NotReady (reason {@code LeaseExpired}) at the next {@link #check}.
 * Time comes from the clock given, so tests drive expiry without waiting. A control plane that
 * starts gives every known node one full lease from then (it cannot know what it missed).
 */
public final class NodeLifecycle {
  private static final System.Logger LOG = System.getLogger(NodeLifecycle.class.getName());

  private final NodeRecords records;
  private final Clock clock;
  private final Leases leases;
  private final java.util.function.Consumer<String> onLost;
  private final NodeCaches caches = new NodeCaches();

  public NodeLifecycle(NodeRecords records, Clock clock, Duration lease) {
    this(records, clock, lease, name -> {});
  }

  /**
   * @param onLost told the name of each node whose lease ran out, at the check that finds it,
   *     before the node is marked NotReady
   */
  public NodeLifecycle(
      NodeRecords records,
      Clock clock,
      Duration lease,
      java.util.function.Consumer<String> onLost) {
    this.records = records;
    this.clock = clock;
    this.leases = new Leases(lease);
    this.onLost = onLost;
  }

  public Duration lease() {
    return leases.duration();
  }

  /** What each node last said it holds (images, modules), for placement. */
  NodeCaches caches() {
    return caches;
  }

  /** Starts every registered node's lease at now. */
  public Future<Void> start() {
    return records
        .nodes()
        .map(
            nodes -> {
              Instant now = clock.instant();
              synchronized (leases) {
                for (Node n : nodes.items()) {
                  leases.renew(n.metadata().name(), now);
                }
              }
              return null;
            });
  }

  /** Registers (or re-registers) node {@code name}: its spec, a new lease, Ready. */
  public Future<Node> register(String name, NodeSpec offered) {
    Instant now = clock.instant();
    renew(name, now);
    return records
        .register(name, offered)
        .compose(n -> records.saveLease(name, now, lease().toMillis()).map(n));
  }

  /**
   * Renews node {@code name}'s lease and makes it Ready again when it was not; answers its spec
   * (cordon, drain). Fails (FAILED_PRECONDITION) for a node that never registered.
   */
  public Future<NodeSpec> heartbeat(String name) {
    Instant now = clock.instant();
    return records
        .node(name)
        .compose(
            found -> {
              if (found.isEmpty()) {
                return Future.failedFuture(
                    new CallRefusedException(
                        io.vertx.grpc.common.GrpcStatus.FAILED_PRECONDITION,
                        "node " + name + " is not registered (or was deleted)",
                        "call Register first; the agent does so when it reconnects"));
              }
              renew(name, now);
              Node n = found.get();
              var ready = NodeRecords.readyCondition(n);
              Future<Node> marked =
                  ready != null && ready.isTrue()
                      ? Future.succeededFuture(n)
                      : records
                          .setReady(name, true, null, null)
                          .onSuccess(
                              x -> LOG.log(System.Logger.Level.INFO, "node " + name + " is Ready"));
              return marked
                  .compose(x -> records.saveLease(name, now, lease().toMillis()))
                  .map(v -> n.spec());
            });
  }

  /** Whether node {@code name} holds its lease now. */
  public boolean live(String name) {
    synchronized (leases) {
      return leases.live(name, clock.instant());
    }
  }

  /** When node {@code name} last renewed its lease here, or null. */
  public Instant renewedAt(String name) {
    synchronized (leases) {
      return leases.renewedAt(name);
    }
  }

  /**
   * Marks NotReady every node whose lease ran out, here and in the store; completes when those
   * writes are done. Called periodically; a node already NotReady is not written again.
   */
  public Future<Void> check() {
    // Several control planes may share the store: a node may register and beat on another one,
    // which stores each renewal. Renewals stored and still live count as if made here.
    return records
        .leases()
        .compose(
            stored -> {
              Instant now = clock.instant();
              synchronized (leases) {
                for (NodeRecords.LeaseRecord l : stored) {
                  if (l.renewTime() != null && !now.isAfter(l.renewTime().plus(lease()))) {
                    leases.renew(l.node(), l.renewTime());
                  }
                }
              }
              return expire(now);
            });
  }

  private Future<Void> expire(Instant now) {
    Set<String> expired;
    synchronized (leases) {
      expired = leases.expired(now);
    }
    List<Future<?>> writes = new ArrayList<>();
    for (String name : expired) {
      onLost.accept(name);
      Instant at = renewedAt(name);
      writes.add(
          records
              .setReady(
                  name,
                  false,
                  "LeaseExpired",
                  "no heartbeat since "
                      + at
                      + " (lease "
                      + Durations.format(lease())
                      + "); the agent is down, cut off, or cannot reach the control plane")
              .onSuccess(
                  n -> {
                    synchronized (leases) {
                      if (!leases.live(name, clock.instant())) {
                        leases.remove(name); // written once; a heartbeat brings it back
                      }
                    }
                    LOG.log(System.Logger.Level.WARNING, "node " + name + " lost its lease");
                  })
              .recover(
                  e -> {
                    if (e instanceof dev.skiff.controlplane.NotFoundException) {
                      synchronized (leases) {
                        leases.remove(name); // deleted meanwhile
                      }
                    }
                    return Future.succeededFuture();
                  }));
    }
    return Future.all(writes).mapEmpty();
  }

  private void renew(String name, Instant now) {
    synchronized (leases) {
      leases.renew(name, now);
    }
  }
}
