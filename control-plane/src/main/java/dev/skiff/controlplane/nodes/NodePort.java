package dev.skiff.controlplane.nodes;

import dev.skiff.api.stats.Stat;
import dev.skiff.controlplane.internal.nodes.BootstrapTokens;
import dev.skiff.controlplane.internal.nodes.NodeAdmin;
import dev.skiff.controlplane.internal.nodes.NodeLifecycle;
import dev.skiff.controlplane.internal.nodes.NodeRecords;
import dev.skiff.controlplane.internal.nodes.NodeServer;
import dev.skiff.controlplane.internal.nodes.Placer;
import dev.skiff.controlplane.internal.nodes.ReportFollower;
import dev.skiff.controlplane.internal.nodes.RevisionStatuses;
import dev.skiff.controlplane.mesh.MeshCa;
import dev.skiff.controlplane.spi.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The node port: a gRPC server (node.proto's {@code NodeService}) over TLS 1.3 where node agents on
 * other machines trade a bootstrap token for their mesh identity ({@code
 * spiffe://{td}/skiff/node/{name}}), then, with that certificate only, register, renew their lease
 * by heartbeat, watch their assignments and report instances and stats. A node whose lease runs out
 * is marked NotReady. Everything it knows is in the store.
 *
 * <pre>{@code
 * NodePort port = NodePort.builder().withVertx(vertx).withStore(store).withMeshCa(ca)
 *     .withPort(7443).build();
 * port.start().await();
 * }</pre>
 */
public final class NodePort {
  private final Vertx vertx;
  private final NodeLifecycle lifecycle;
  private final NodeAdmin admin;
  private final NodeServer server;
  private final Placer placer;
  private final ReportFollower follower;
  private final Duration checkEvery;
  private final boolean serve;
  private long timer = -1;
  private boolean leading;
  private volatile boolean busy;

  private NodePort(Builder b) {
    this.vertx = b.vertx;
    NodeRecords records = new NodeRecords(b.store, b.clock);
    BootstrapTokens tokens = new BootstrapTokens(b.store, b.clock);
    RevisionStatuses statuses = new RevisionStatuses(b.statusWriter, b.clock);
    // A node gone (lease run out, connection closed) loses its endpoints and its say in status.
    RemoteInstances remote =
        new RemoteInstances() {
          @Override
          public void reported(String node, java.util.List<ReportedInstance> instances) {
            b.remote.reported(node, instances);
          }

          @Override
          public void lost(String node) {
            b.remote.lost(node);
            statuses.lost(node);
          }
        };
    this.lifecycle = new NodeLifecycle(records, b.clock, b.lease, remote::lost);
    this.admin = new NodeAdmin(records, tokens, b.ca::trustBundle);
    this.placer = new Placer(records, lifecycle, b.demand);
    this.follower = new ReportFollower(records, b.remote);
    this.server =
        new NodeServer(
            b.vertx,
            b.ca,
            records,
            tokens,
            lifecycle,
            b.host,
            b.port,
            b.certificateTtl,
            b.heartbeat,
            b.stats,
            b.modules,
            remote,
            b.pokes,
            statuses,
            b.env,
            b.clock,
            b.lagReports);
    this.checkEvery = b.checkEvery;
    this.serve = b.port >= 0;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Issues the port's certificate and binds it (unless the port is off), and follows the nodes'
   * stored reports (they may talk to another control plane on the same store). Lease checks and
   * placement wait for {@link #lead}. Needs the mesh CA started.
   */
  public Future<NodePort> start() {
    if (!serve) {
      return Future.succeededFuture(this);
    }
    return server.start().compose(v -> follower.start()).map(this);
  }

  /**
   * Starts the leader's work: every known node gets a full lease from now (what happened before is
   * unknown here), then leases are checked and instances placed every tenth of the lease. Several
   * control planes on one store: only the leader may, or two placers would fight.
   */
  public synchronized Future<Void> lead() {
    if (!serve || leading) {
      return Future.succeededFuture();
    }
    leading = true;
    return lifecycle
        .start()
        .onSuccess(
            v -> {
              synchronized (this) {
                if (!leading || timer >= 0) {
                  return; // followed meanwhile
                }
                // Leases first, then placement on what is Ready after them; one round at a time.
                timer =
                    vertx.setPeriodic(
                        checkEvery.toMillis(),
                        checkEvery.toMillis(),
                        id -> {
                          if (!busy) {
                            busy = true;
                            lifecycle
                                .check()
                                .compose(checked -> placer.round())
                                .onComplete(ar -> busy = false);
                          }
                        });
              }
            });
  }

  /** Stops checking leases and placing (another control plane leads); nothing more is written. */
  public synchronized void follow() {
    leading = false;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** Whether this node port checks leases and places now ({@link #lead}). */
  public synchronized boolean leading() {
    return timer >= 0;
  }

  /** Whether the node port is served (a port was given). */
  public boolean serving() {
    return serve;
  }

  /** The bound port once started; -1 before or when off. */
  public int actualPort() {
    return server.actualPort();
  }

  /** Tokens, node views and cordon/drain for the REST API. */
  public NodeAdmin admin() {
    return admin;
  }

  /** Places instances on Ready nodes now and stores the assignments; for tests. */
  public Future<Placement.Result> placeNow() {
    return placer.round();
  }

  /** Checks leases now (marks NotReady those that ran out); for tests driving a clock. */
  public Future<Void> checkLeases() {
    return lifecycle.check();
  }

  public Future<Void> stop() {
    follow();
    follower.stop();
    return server.stop();
  }

  /** Settings; Vert.x, the store and the mesh CA are required. */
  public static final class Builder {
    private Vertx vertx;
    private Store store;
    private MeshCa ca;
    private Clock clock = Clock.systemUTC();
    private String host = "127.0.0.1";
    private int port = -1;
    private Duration lease = Duration.ofSeconds(10);
    private Duration heartbeat;
    private Duration certificateTtl = Duration.ofHours(24);
    private Duration checkEvery;
    private Consumer<Stat> stats = s -> {};
    private Function<String, Future<Buffer>> modules =
        digest ->
            Future.failedFuture(
                new IllegalStateException("this control plane serves no modules to nodes"));
    private RemoteInstances remote = RemoteInstances.NONE;
    private Demand demand = Demand.NONE;
    private java.util.function.BiConsumer<String, String> pokes = (ns, rev) -> {};
    private LagReports lagReports = LagReports.NONE;
    private RevisionStatusWriter statusWriter = RevisionStatusWriter.NONE;
    private EnvValues env = EnvValues.NONE;

    private Builder() {}

    public Builder withVertx(Vertx v) {
      this.vertx = v;
      return this;
    }

    public Builder withStore(Store s) {
      this.store = s;
      return this;
    }

    public Builder withMeshCa(MeshCa ca) {
      this.ca = ca;
      return this;
    }

    public Builder withClock(Clock c) {
      this.clock = Objects.requireNonNull(c);
      return this;
    }

    /** The address the node port binds; default 127.0.0.1. */
    public Builder withHost(String h) {
      this.host = Objects.requireNonNull(h);
      return this;
    }

    /** The node port; 0 for any free one; -1 (the default) for none. */
    public Builder withPort(int p) {
      if (p < -1 || p > 65535) {
        throw new IllegalArgumentException("the node port is 0-65535, or -1 for none; got " + p);
      }
      this.port = p;
      return this;
    }

    /**
     * How long a node stays Ready after its last heartbeat; default 10 s. Agents are told to beat
     * every third of it unless {@link #withHeartbeatInterval} says otherwise.
     */
    public Builder withLease(Duration d) {
      if (d.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("a node lease is at least 1s, got " + d);
      }
      this.lease = d;
      return this;
    }

    /** How often agents are told to send heartbeats; default a third of the lease. */
    public Builder withHeartbeatInterval(Duration d) {
      this.heartbeat = d;
      return this;
    }

    /** How long node certificates live; default 24 h (the mesh CA bounds it). */
    public Builder withCertificateTtl(Duration d) {
      this.certificateTtl = Objects.requireNonNull(d);
      return this;
    }

    /** Where stats reported by nodes go (the autoscaler); default nowhere. */
    public Builder withStats(Consumer<Stat> sink) {
      this.stats = Objects.requireNonNull(sink);
      return this;
    }

    /** Where GetModule reads a Wasm module by digest (the control plane's blob store). */
    public Builder withModules(Function<String, Future<Buffer>> source) {
      this.modules = Objects.requireNonNull(source);
      return this;
    }

    /** Who learns what remote nodes run (skiffd's endpoints); default nobody. */
    public Builder withRemoteInstances(RemoteInstances r) {
      this.remote = Objects.requireNonNull(r);
      return this;
    }

    /** How many instances revisions want beyond min-scale (the autoscaler); default min-scale. */
    public Builder withDemand(Demand d) {
      this.demand = Objects.requireNonNull(d);
      return this;
    }

    /**
     * Where edge activators' pokes go (namespace, revision: the autoscaler decides now); default
     * nowhere. Called on a Vert.x event loop.
     */
    public Builder withPokes(java.util.function.BiConsumer<String, String> p) {
      this.pokes = Objects.requireNonNull(p);
      return this;
    }

    /** Where eventing processes' lag reports go (the autoscaler's lag floor); default nowhere. */
    public Builder withLagReports(LagReports r) {
      this.lagReports = Objects.requireNonNull(r);
      return this;
    }

    /**
     * Where revision statuses summed over the nodes' reports go; default nowhere (a control plane
     * whose in-process node writes them). With every role but node, the control plane's revision
     * status.
     */
    public Builder withRevisionStatus(RevisionStatusWriter w) {
      this.statusWriter = Objects.requireNonNull(w);
      return this;
    }

    /**
     * Where GetEnvSource opens secrets and config maps for nodes (each only for what its
     * assignments name); default none exist.
     */
    public Builder withEnvValues(EnvValues e) {
      this.env = Objects.requireNonNull(e);
      return this;
    }

    public NodePort build() {
      Objects.requireNonNull(vertx, "withVertx(..) is required");
      Objects.requireNonNull(store, "withStore(..) is required");
      Objects.requireNonNull(ca, "withMeshCa(..) is required");
      if (heartbeat == null) {
        heartbeat = lease.dividedBy(3);
      }
      if (heartbeat.compareTo(lease) >= 0) {
        throw new IllegalArgumentException(
            "the heartbeat interval ("
                + heartbeat
                + ") must be shorter than the lease ("
                + lease
                + ")");
      }
      if (checkEvery == null) {
        long ms = Math.max(100, Math.min(1000, lease.toMillis() / 10));
        checkEvery = Duration.ofMillis(ms);
      }
      return new NodePort(this);
    }
  }
}
