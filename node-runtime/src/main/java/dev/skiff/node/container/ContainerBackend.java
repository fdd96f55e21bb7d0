package dev.skiff.node.container;

import dev.skiff.api.model.Probe;
import dev.skiff.api.model.Resources;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.validation.Quantities;
import dev.skiff.node.InstanceStartException;
import dev.skiff.node.container.internal.BetweenStarts;
import dev.skiff.node.container.internal.Cgroups;
import dev.skiff.node.container.internal.ContainerProber;
import dev.skiff.node.container.internal.ExecWatch;
import dev.skiff.node.container.internal.FineTimer;
import dev.skiff.node.container.internal.Host;
import dev.skiff.node.container.internal.Launcher;
import dev.skiff.node.container.internal.OciRuntime;
import dev.skiff.node.container.internal.PodNetwork;
import dev.skiff.node.container.internal.Preparations;
import dev.skiff.node.container.internal.Prepared;
import dev.skiff.node.container.internal.PreparedPool;
import dev.skiff.node.container.internal.ProbeLoop;
import dev.skiff.node.container.internal.Reconciler;
import dev.skiff.node.container.internal.RunningContainer;
import dev.skiff.node.container.internal.ScopeOwners;
import dev.skiff.node.container.internal.ShimBinary;
import dev.skiff.node.container.internal.StartClock;
import dev.skiff.node.container.internal.StartProbeSchedule;
import dev.skiff.node.container.internal.SubnetChoice;
import dev.skiff.node.spi.Instance;
import dev.skiff.node.spi.InstanceSpec;
import dev.skiff.node.spi.RuntimeBackend;
import dev.skiff.node.spi.StartProgress;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs container revisions under runc (or crun), following Knative's runtime contract: the process
 * is the image's Entrypoint + Cmd, listens on {@code $PORT}, gets {@code K_SERVICE}, {@code
 * K_REVISION} and {@code K_CONFIGURATION}, is stopped with SIGTERM, a drain, then SIGKILL, and its
 * stdout/stderr are its logs. Each instance has an overlay rootfs (read-only by default), its own
 * pid, ipc, uts, mount, cgroup and network namespaces, Docker's default capabilities, a seccomp
 * profile and cgroup limits; it is reachable only from the node, at {@code podIP:PORT}.
 *
 * <p>Create it with {@link #create}, which first removes whatever an earlier agent left behind.
 * Methods may be called from any thread; blocking work runs on the backend's own workers.
 */
public final class ContainerBackend implements RuntimeBackend, MeterBinder {
  private static final System.Logger LOG = System.getLogger(ContainerBackend.class.getName());
  private static final String SPARES = "skiff.node.container.network.spares";
  private static final String PREPARED = "skiff.node.container.prepared";
  // How long start-up probing waits for runc to exec the workload before it begins regardless.
  private static final Duration EXEC_PATIENCE = Duration.ofSeconds(1);

  private final Host host;
  private final ImageSource images;
  private final Launcher launcher;
  private final NetClient probes;
  private final ContainerProber prober;
  private final Map<String, RunningContainer> running = new ConcurrentHashMap<>();
  // Keys from the moment a start begins, so a concurrent reconcile leaves half-made instances
  // alone.
  private final Set<String> reserved = ConcurrentHashMap.newKeySet();
  // Revisions this backend has started an instance of: only those are prepared at zero, so their
  // image is on the node (preparing never pulls one, and a first start reports its pull).
  private final Set<String> ran = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;
  // Sees runc exec each workload, so start-up probing begins then; null when it could not open
  // (or with crun), and probing starts with the runtime process instead.
  private volatile ExecWatch execWatch;
  // Containers created ahead for revisions at zero; disabled without a shim.
  private volatile Preparations preparations;

  private ContainerBackend(Host host, ImageSource images, OutboundDoor door) {
    this.host = host;
    this.images = images;
    this.launcher = new Launcher(host, door);
    this.probes =
        host.vertx()
            .createNetClient(new NetClientOptions().setConnectTimeout(1000).setTcpNoDelay(true));
    this.prober =
        new ContainerProber(
            host,
            host.vertx()
                .createHttpClient(
                    new io.vertx.core.http.HttpClientOptions().setKeepAlive(false),
                    new io.vertx.core.http.PoolOptions().setHttp1MaxSize(16)),
            host.vertx()
                .createHttpClient(
                    new io.vertx.core.http.HttpClientOptions()
                        .setProtocolVersion(io.vertx.core.http.HttpVersion.HTTP_2)
                        .setHttp2ClearTextUpgrade(false)
                        .setHttp2KeepAliveTimeout(1),
                    new io.vertx.core.http.PoolOptions().setHttp2MaxSize(16)),
            probes);
  }

  /**
   * Finds the OCI runtime, installs the network fence, removes leftovers of earlier agents (see
   * {@link #reconcile}) and returns the backend. Fails when there is no runtime or the host refuses
   * the setup.
   */
  public static Future<ContainerBackend> create(
      Vertx vertx, ContainerConfig config, ImageSource images) {
    return create(vertx, config, images, null);
  }

  /**
   * {@link #create(Vertx, ContainerConfig, ImageSource)} with a way out for every instance: {@code
   * door} opens its name service and outbound listener on the node's end of its link, and the fence
   * redirects the instance's UDP 53 and TCP 80 there to them and lets it reach nothing else.
   */
  public static Future<ContainerBackend> create(
      Vertx vertx, ContainerConfig config, ImageSource images, OutboundDoor door) {
    Path binary = OciRuntime.detect(config.runtime());
    if (binary == null) {
      return Future.failedFuture(
          new ContainerRuntimeException(
              config.runtime() != null
                  ? "OCI runtime " + config.runtime() + " is not an executable file"
                  : "no OCI runtime found: install runc (apt-get install runc) or crun, or"
                      + " configure its path"));
    }
    WorkerExecutor workers =
        vertx.createSharedWorkerExecutor(
            "skiff-container-" + config.scope(), config.workerThreads(), 10, TimeUnit.MINUTES);
    // The subnet is chosen before any route or rule is installed: its fence must never cover an
    // address or route of anything else on the host.
    // What backends of killed processes left (their links and fences take subnets) goes first;
    // then this scope is claimed before anything of it exists, so no other backend sweeps it.
    ScopeOwners owners = new ScopeOwners();
    return workers
        .executeBlocking(
            () -> {
              List<String> swept = owners.sweep(vertx, workers, config.scope());
              if (!swept.isEmpty()) {
                LOG.log(
                    Level.WARNING,
                    "removed what container backends of processes that are gone left: {0}",
                    swept);
              }
              owners.claim(config, binary, null);
              String subnet =
                  SubnetChoice.ofHost()
                      .choose(
                          config.subnets(),
                          link -> isOwnLink(config.interfacePrefix(), link),
                          config.subnetExplicit());
              owners.claim(config, binary, subnet);
              return subnet;
            },
            false)
        .recover(
            err -> {
              workers.close();
              return Future.failedFuture(err);
            })
        .compose(subnet -> start(vertx, config, binary, workers, subnet, images, door));
  }

  /** Whether {@code link} is named like this backend's own ({@code <prefix><slot>}). */
  static boolean isOwnLink(String prefix, String link) {
    return link.startsWith(prefix) && link.substring(prefix.length()).matches("[0-9]+");
  }

  private static Future<ContainerBackend> start(
      Vertx vertx,
      ContainerConfig config,
      Path binary,
      WorkerExecutor workers,
      String subnet,
      ImageSource images,
      OutboundDoor door) {
    LOG.log(Level.INFO, "container subnet {0} (scope {1})", new Object[] {subnet, config.scope()});
    Host host =
        new Host(
            vertx,
            workers,
            config,
            new OciRuntime(binary, config.runtimeRoot()),
            new PodNetwork(
                config.scope(),
                config.interfacePrefix(),
                subnet,
                config.firewall(),
                config.networkSpares()),
            new Cgroups(config.cgroupParent()));
    ContainerBackend backend = new ContainerBackend(host, images, door);
    return host.workers()
        .executeBlocking(
            () -> {
              host.network()
                  .installFence(
                      door == null
                          ? null
                          : new PodNetwork.OutboundPorts(door.dnsPort(), door.httpPort()));
              backend.execWatch = openExecWatch(host.runtime());
              backend.preparations =
                  new Preparations(
                      host,
                      backend.launcher,
                      new PreparedPool(config.preparedContainers()),
                      shim(config, host.runtime()),
                      backend.reserved);
              return null;
            },
            false)
        .compose(v -> backend.reconcile())
        .map(
            report -> {
              if (!report.clean()) {
                LOG.log(Level.WARNING, "removed leftovers of earlier instances: {0}", report);
              }
              host.network().startSpares();
              LOG.log(
                  Level.INFO,
                  "container backend ready: {0}, state in {1}",
                  binary,
                  config.runtimeRoot());
              return backend;
            })
        .recover(
            err -> {
              host.workers().close();
              backend.probes.close();
              if (backend.execWatch != null) {
                backend.execWatch.close();
              }
              return Future.failedFuture(err);
            });
  }

  /**
   * The shim that keeps containers created ahead: the configured one, else the one this build
   * carries; null with crun (whose create is not relied on), without any or none wanted.
   */
  private static Path shim(ContainerConfig config, OciRuntime runtime) {
    if (config.preparedContainers() == 0 || !runtime.keepsStoppedContainers()) {
      return null;
    }
    if (config.shim() != null) {
      return config.shim();
    }
    try {
      Path shim = ShimBinary.extract(config.dataDir());
      if (shim == null) {
        LOG.log(
            Level.WARNING,
            "this build carries no container shim (built without gcc): containers are not"
                + " created ahead, every cold start runs the whole of runc");
      }
      return shim;
    } catch (IOException | RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "cannot put the container shim under {0} ({1}): containers are not created ahead",
          config.dataDir(),
          e.toString());
      return null;
    }
  }

  /** The watch on runc's state directory; null with crun or when inotify refuses one. */
  private static ExecWatch openExecWatch(OciRuntime runtime) {
    if (!runtime.keepsStoppedContainers()) {
      return null; // crun: no exec fifo to watch
    }
    try {
      return ExecWatch.open(runtime.root());
    } catch (IOException | RuntimeException e) {
      LOG.log(
          Level.WARNING,
          "cannot watch {0} for workloads starting ({1}); start-up probes begin with the runtime"
              + " process instead (raise fs.inotify.max_user_instances if it is the limit)",
          runtime.root(),
          e.toString());
      return null;
    }
  }

  @Override
  public String kind() {
    return "container";
  }

  /** The OCI runtime in use. */
  public Path runtime() {
    return host.runtime().binary();
  }

  /** {@code image} pinned to {@code status.imageDigest} when the revision has one. */
  static String pinned(String image, dev.skiff.api.model.RevisionStatus status) {
    String digest = status == null ? null : status.imageDigest();
    if (digest == null || image.contains("@")) {
      return image;
    }
    int slash = image.lastIndexOf('/');
    int colon = image.lastIndexOf(':');
    String repository = colon > slash ? image.substring(0, colon) : image;
    return repository + "@" + digest;
  }

  @Override
  public Future<Instance> start(InstanceSpec spec) {
    if (closed) {
      return Future.failedFuture(
          new InstanceStartException("BackendClosed", "the container backend is closed", null));
    }
    RevisionTemplate t = spec.template();
    if (t.image() == null || t.image().isBlank()) {
      return Future.failedFuture(
          new InstanceStartException(
              "ImageMissing", "revision " + spec.revisionName() + " names no image", null));
    }
    Launcher.Limits limits;
    try {
      limits = limits(t.resources());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(new InstanceStartException("InvalidResources", e.getMessage(), e));
    }
    String key = key(spec.id());
    if (!reserved.add(key)) {
      return Future.failedFuture(
          new InstanceStartException(
              "InstanceExists",
              "an instance with id " + spec.id() + " is already running here",
              null));
    }
    ran.add(revisionKey(spec.namespace(), spec.revisionName()));
    Preparations ahead = preparations;
    if (ahead != null) {
      ahead.started(revisionKey(spec.namespace(), spec.revisionName()));
    }
    Context context = host.vertx().getOrCreateContext();
    // A revision runs the image it first resolved (status.imageDigest), even when its tag moves.
    String reference = pinned(t.image(), spec.revision().status());
    StartClock clock = StartClock.start();
    BetweenStarts between = host.network().between();
    AtomicReference<ContainerImage> pulled = new AtomicReference<>();
    between.began();
    return pull(reference, spec.progress())
        .andThen(ar -> clock.lap("image"))
        .recover(
            err ->
                Future.failedFuture(
                    err instanceof InstanceStartException
                        ? err
                        : new InstanceStartException(
                            "ImagePullFailed",
                            "cannot get image " + t.image() + ": " + err.getMessage(),
                            err)))
        .compose(
            image -> {
              pulled.set(image);
              return host.workers()
                  .executeBlocking(
                      () -> launchOrWake(context, spec, key, image, limits, clock), false);
            })
        .onFailure(err -> reserved.remove(key))
        .compose(
            c -> {
              running.put(c.key(), c);
              c.exited()
                  .onComplete(
                      ar -> {
                        running.remove(c.key(), c);
                        reserved.remove(c.key());
                        reserved.remove(key);
                      });
              AtomicLong lastClosed = new AtomicLong();
              return awaitReady(c, t.readinessProbe(), lastClosed, clock)
                  .andThen(
                      ar -> {
                        if (ar.failed()) {
                          return;
                        }
                        clock.lap("ready");
                        long closedAt = lastClosed.get();
                        if (closedAt != 0) {
                          // At most this long after the port opened was it seen open.
                          clock.note("lag", System.nanoTime() - closedAt);
                        }
                        LOG.log(
                            Level.INFO,
                            "container {0} up in {1} ms: {2}",
                            key,
                            String.format(java.util.Locale.ROOT, "%.1f", clock.totalMillis()),
                            clock);
                      })
                  .compose(v -> forgetResolvedEnv(spec, c.key()))
                  .map(
                      v -> {
                        ProbeLoop.start(
                            host,
                            prober,
                            c,
                            t.readinessProbe(),
                            t.livenessProbe(),
                            c.runningForMillis());
                        prepareAhead(
                            spec.revision(),
                            pulled.get(),
                            limits,
                            Preparations.Occasion.AFTER_START);
                        return (Instance) c;
                      });
            })
        .onComplete(ar -> between.ended());
  }

  /**
   * Wakes the container prepared for the spec's revision when there is one and it was created with
   * exactly what this instance would get (its {@code config.json}, image digest and layers);
   * otherwise, or when it will not start, sets up and runs a new one. On a worker.
   */
  private RunningContainer launchOrWake(
      Context context,
      InstanceSpec spec,
      String key,
      ContainerImage image,
      Launcher.Limits limits,
      StartClock clock) {
    Preparations ahead = preparations;
    Prepared p =
        ahead == null ? null : ahead.take(revisionKey(spec.namespace(), spec.revisionName()));
    if (p != null) {
      if (p.process().isAlive() && fits(spec, p, image, limits)) {
        clock.lap("prepared");
        try {
          return launcher.wake(context, spec, p, clock, execWatch);
        } catch (RuntimeException e) {
          reserved.remove(p.key());
          LOG.log(
              Level.WARNING,
              "container {0} created ahead did not start ({1}); starting {2} anew",
              p.key(),
              e.toString(),
              key);
        }
      } else {
        LOG.log(
            Level.INFO,
            "container {0} created ahead no longer fits revision {1}; starting {2} anew",
            p.key(),
            spec.revisionName(),
            key);
        ahead.discard(p);
      }
    }
    return launcher.launch(context, spec, key, image, limits, clock, execWatch);
  }

  private boolean fits(
      InstanceSpec spec, Prepared p, ContainerImage image, Launcher.Limits limits) {
    try {
      return java.util.Objects.equals(p.image().digest(), image.digest())
          && p.image().layers().equals(image.layers())
          && launcher.configFor(spec, p, limits).equals(p.config());
    } catch (RuntimeException e) {
      return false;
    }
  }

  /**
   * The revision is at zero on this node: creates a container for its next start ahead, when
   * containers are created ahead, this backend has run the revision before (so its image is on the
   * node: preparing never pulls, and a first start still reports its pull), and it has no env read
   * from secrets or config maps (their values would be fixed at create time and written to disk
   * meanwhile).
   */
  @Override
  public void atZero(dev.skiff.api.model.Revision revision) {
    prepareAhead(revision, null, null, Preparations.Occasion.AT_ZERO);
  }

  /**
   * Creates a container for the revision's next start ahead on the conditions of {@link #atZero};
   * {@code image} and {@code limits} are the ones a start just used, or null to look them up. After
   * a start ({@link Preparations.Occasion#AFTER_START}) it only takes a free place in the pool.
   */
  private void prepareAhead(
      dev.skiff.api.model.Revision revision,
      ContainerImage image,
      Launcher.Limits limits,
      Preparations.Occasion occasion) {
    Preparations ahead = preparations;
    RevisionTemplate t = revision.spec().template();
    if (closed
        || ahead == null
        || !ahead.enabled()
        || t.image() == null
        || t.image().isBlank()
        || t.hasEnvReferences()) {
      return;
    }
    String ns = revision.metadata().namespaceOrDefault();
    String name = revision.metadata().name();
    String revisionKey = revisionKey(ns, name);
    // What the prepared container's config follows: a revision whose template changed needs
    // another (the stale one goes). Not the pinned image: the revision's status gets its digest
    // after its first start, and the image's digest and layers are compared at wake anyway.
    RevisionTemplate from = t;
    // Not once forgotten (deleted while this start was under way).
    if (!ran.contains(revisionKey) || ahead.has(revisionKey, from)) {
      return;
    }
    Launcher.Limits l;
    try {
      l = limits != null ? limits : limits(t.resources());
    } catch (IllegalArgumentException e) {
      return; // its starts fail with the reason
    }
    String keyBase = key(ns + "." + name);
    if (image != null) {
      ahead.prepare(revision, revisionKey, keyBase, image, l, from, occasion);
    } else {
      images
          .image(pinned(t.image(), revision.status()))
          .onSuccess(i -> ahead.prepare(revision, revisionKey, keyBase, i, l, from, occasion));
    }
  }

  @Override
  public void forget(String namespace, String revision) {
    Preparations ahead = preparations;
    ran.remove(revisionKey(namespace, revision));
    if (ahead != null) {
      ahead.forget(revisionKey(namespace, revision));
    }
  }

  private static String revisionKey(String namespace, String revision) {
    return namespace + "/" + revision;
  }

  /** Keys of the containers created ahead and waiting (for tests). */
  List<String> prepared() {
    Preparations ahead = preparations;
    return ahead == null ? List.of() : ahead.pool().keys();
  }

  /**
   * Gets the image, forwarding the source's pull progress to the spec's and, when the source
   * reported any (it downloaded something), ending with the pulled status: digest and time.
   */
  private Future<ContainerImage> pull(String reference, StartProgress progress) {
    long t0 = System.nanoTime();
    AtomicReference<StartProgress.ImagePull> last = new AtomicReference<>();
    return images
        .image(
            reference,
            pull -> {
              last.set(pull);
              progress.onPull(pull);
            })
        .onSuccess(
            image -> {
              StartProgress.ImagePull pulled = last.get();
              if (pulled != null) {
                progress.onPull(
                    pulled.pulled(
                        image.digest() == null ? "no digest" : image.digest(),
                        Duration.ofNanos(System.nanoTime() - t0)));
              }
            });
  }

  /**
   * Removes the bundle's {@code config.json} once the runtime has read it (the instance is ready)
   * when the instance's env holds values read from secrets, so they do not stay on disk.
   */
  private Future<Void> forgetResolvedEnv(InstanceSpec spec, String key) {
    if (!spec.template().hasEnvReferences()) {
      return Future.succeededFuture();
    }
    return host.workers()
        .executeBlocking(
            () -> {
              java.nio.file.Files.deleteIfExists(
                  new dev.skiff.node.container.internal.Bundle(host.config().dataDir(), key)
                      .config());
              return null;
            },
            false);
  }

  /**
   * Probes the instance until it is ready: with a readiness probe, after its initial delay, every
   * {@code periodSeconds} (when unset, Knative's aggressive start-up probing, on {@link
   * StartProbeSchedule}'s tightening schedule: soon after the workload starts, then at most every
   * probe interval) until it passes {@code successThreshold} times in a row; without one, until its
   * port accepts a TCP connection. Without an initial delay, the first probe comes when runc execs
   * the workload ({@link RunningContainer#workloadExecd}, which the start's clock lists as the
   * {@code runc} phase; at once when that cannot be watched), or after {@link #EXEC_PATIENCE} if it
   * is not seen (it always is: a runtime that fails removes its state, and the teardown ends the
   * watch): before it, the port can only be closed, and probing would compete with runc for the
   * CPU. Fails, and kills the instance, when it exits first or the readiness timeout passes.
   */
  private Future<Void> awaitReady(
      RunningContainer c, Probe readiness, AtomicLong lastFailed, StartClock clock) {
    Promise<Void> ready = Promise.promise();
    long deadline = System.nanoTime() + host.config().readinessTimeout().toNanos();
    long delay =
        readiness == null ? 0 : Duration.ofSeconds(readiness.initialDelayOrDefault()).toMillis();
    if (delay > 0) {
      host.vertx().setTimer(delay, t -> probe(c, readiness, 0, deadline, ready, lastFailed));
    } else {
      java.util.concurrent.atomic.AtomicBoolean begun =
          new java.util.concurrent.atomic.AtomicBoolean();
      Context context = host.vertx().getOrCreateContext();
      long fallback =
          host.vertx()
              .setTimer(
                  Math.max(EXEC_PATIENCE.toMillis(), host.config().probeInterval().toMillis()),
                  t -> {
                    if (begun.compareAndSet(false, true)) {
                      probe(c, readiness, 0, deadline, ready, lastFailed);
                    }
                  });
      c.workloadExecd()
          .thenRun(
              () ->
                  context.runOnContext(
                      v -> {
                        if (begun.compareAndSet(false, true)) {
                          host.vertx().cancelTimer(fallback);
                          if (c.execWatched()) {
                            clock.lap("runc");
                          }
                          probe(c, readiness, 0, deadline, ready, lastFailed);
                        }
                      }));
    }
    return ready.future().recover(err -> c.kill().transform(x -> Future.failedFuture(err)));
  }

  /** One readiness attempt; {@code lastFailed} gets the time each failed attempt ended. */
  private void probe(
      RunningContainer c,
      Probe readiness,
      int successes,
      long deadline,
      Promise<Void> ready,
      AtomicLong lastFailed) {
    if (c.processEnded()) {
      // Wait for the teardown, which also drains the output, so the message can quote it.
      c.exited()
          .onComplete(
              ar ->
                  ready.tryFail(
                      new InstanceStartException(
                          "ContainerExited",
                          "container "
                              + c.key()
                              + " "
                              + ar.result().describe()
                              + " before it accepted connections on"
                              + " port "
                              + c.port()
                              + outputOf(c),
                          null)));
      return;
    }
    Future<Boolean> attempt = readiness == null ? prober.tcp(c, 1000) : prober.once(c, readiness);
    attempt.onComplete(
        ar -> {
          int passed = ar.result() ? successes + 1 : 0;
          if (!ar.result()) {
            lastFailed.set(System.nanoTime());
          }
          int needed = readiness == null ? 1 : readiness.successThresholdOrDefault();
          if (passed >= needed) {
            if (c.processEnded()) {
              probe(c, readiness, 0, deadline, ready, lastFailed);
            } else {
              ready.tryComplete();
            }
          } else if (System.nanoTime() - deadline > 0) {
            ready.tryFail(
                new InstanceStartException(
                    "ReadinessTimeout",
                    readiness == null
                        ? "container "
                            + c.key()
                            + " did not accept TCP connections on "
                            + c.host()
                            + ":"
                            + c.port()
                            + " within "
                            + host.config().readinessTimeout().toMillis()
                            + " ms; it must listen on"
                            + " $PORT ("
                            + c.port()
                            + ") on all interfaces (0.0.0.0), not only 127.0.0.1"
                            + outputOf(c)
                        : "container "
                            + c.key()
                            + " did not pass its readiness probe ("
                            + ProbeLoop.describe(readiness)
                            + ") within "
                            + host.config().readinessTimeout().toMillis()
                            + " ms"
                            + outputOf(c),
                    null));
          } else {
            long everyNanos =
                readiness != null
                        && readiness.periodSeconds() != null
                        && readiness.periodSeconds() > 0
                    ? Duration.ofSeconds(readiness.periodSeconds()).toNanos()
                    : StartProbeSchedule.nextDelayNanos(
                        c.workloadRunningForNanos(), host.config().probeInterval().toMillis());
            FineTimer.after(
                host.vertx(),
                everyNanos,
                () -> probe(c, readiness, passed, deadline, ready, lastFailed));
          }
        });
  }

  private static String outputOf(RunningContainer c) {
    List<String> last = c.lastOutput();
    return last.isEmpty()
        ? "; it wrote nothing"
        : "; its last output:\n  " + String.join("\n  ", last);
  }

  /**
   * Removes leftovers of instances this backend is not running: OCI containers under its runtime
   * root, orphaned runtime processes, cgroups under its parent, mounts under its data directory,
   * network namespaces and links with its names, and bundles (keeping recent logs).
   */
  public Future<ReconcileReport> reconcile() {
    // The live view, not a copy: a start that begins meanwhile reserves its key before it makes
    // anything.
    return host.workers().executeBlocking(() -> new Reconciler(host).run(reserved), false);
  }

  /** Where deferrable host work waits for a moment without starts (for tests). */
  BetweenStarts betweenStarts() {
    return host.network().between();
  }

  /**
   * Registers the backend's meters (docs/metrics.md): the network attachments prepared ahead and
   * waiting, the starts that took one and those that found none and made their own.
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    PodNetwork network = host.network();
    Gauge.builder(SPARES, network, n -> n.spares().size())
        .description("Network namespaces with their veth pair prepared ahead and waiting")
        .register(registry);
    FunctionCounter.builder(SPARES + ".taken", network, PodNetwork::sparesTaken)
        .description("Container starts that took a prepared network namespace")
        .register(registry);
    FunctionCounter.builder(SPARES + ".missed", network, PodNetwork::sparesMissed)
        .description("Container starts that found none prepared and made their own")
        .register(registry);
    Gauge.builder(PREPARED, this, b -> b.prepared().size())
        .description("Containers created ahead for revisions at zero and waiting")
        .register(registry);
    FunctionCounter.builder(PREPARED + ".taken", this, b -> b.preparedCount(true))
        .description("Container starts that woke a container created ahead")
        .register(registry);
    FunctionCounter.builder(PREPARED + ".missed", this, b -> b.preparedCount(false))
        .description("Container starts that found none created ahead for their revision")
        .register(registry);
  }

  private double preparedCount(boolean taken) {
    Preparations ahead = preparations;
    if (ahead == null) {
      return 0;
    }
    return taken ? ahead.pool().taken() : ahead.pool().missed();
  }

  /**
   * What the containers created ahead and waiting hold, for tests of leftovers: their keys (which
   * their runtime state, mounts, cgroups and processes are named by) and their namespaces and
   * links.
   */
  List<String> preparedHoldings() {
    Preparations ahead = preparations;
    List<String> out = new ArrayList<>();
    if (ahead != null) {
      for (Prepared p : ahead.pool().waiting()) {
        out.add(p.key());
        out.add("netns " + p.net().netns());
        out.add("link " + p.net().link());
      }
    }
    return out;
  }

  /** Namespaces and links prepared ahead and waiting for an instance (for tests of leftovers). */
  List<String> spareNetwork() {
    List<String> out = new ArrayList<>();
    host.network()
        .spares()
        .forEach(
            a -> {
              out.add("netns " + a.netns());
              out.add("link " + a.link());
            });
    return out;
  }

  /**
   * Stops every instance at once (SIGTERM, then SIGKILL after a short grace; the agent drains them
   * first), removes the network fence and releases the backend's threads.
   */
  @Override
  public Future<Void> close() {
    closed = true;
    List<Future<?>> stops = new ArrayList<>();
    running.values().forEach(c -> stops.add(c.stop(Duration.ofSeconds(2))));
    return Future.join(stops)
        .transform(
            ar ->
                host.workers()
                    .executeBlocking(
                        () -> {
                          Preparations ahead = preparations;
                          if (ahead != null) {
                            ahead.close();
                          }
                          host.network().closeSpares();
                          host.network().removeFence();
                          host.cgroups().removeParentIfEmpty();
                          new ScopeOwners().release(host.config().scope());
                          return null;
                        },
                        false))
        .transform(
            ar -> {
              probes.close();
              prober.close();
              if (execWatch != null) {
                execWatch.close();
              }
              return host.workers().close();
            });
  }

  static Launcher.Limits limits(Resources r) {
    if (r == null) {
      return new Launcher.Limits(null, null);
    }
    Long memory = r.memory() == null ? null : Quantities.bytes(r.memory());
    Long cpu = r.cpu() == null ? null : Quantities.millicores(r.cpu());
    if (memory != null && memory < (6L << 20)) {
      throw new IllegalArgumentException(
          "resources.memory " + r.memory() + " is below the 6Mi a container needs to start");
    }
    if (cpu != null && cpu < 10) {
      throw new IllegalArgumentException("resources.cpu " + r.cpu() + " is below the 10m minimum");
    }
    return new Launcher.Limits(memory, cpu);
  }

  /** The instance id as a runtime container id, directory and namespace name. */
  static String key(String id) {
    String k = id.replaceAll("[^A-Za-z0-9_.-]", "_");
    if (k.startsWith(".")) {
      k = "_" + k.substring(1);
    }
    if (k.length() > 100) {
      k = k.substring(0, 80) + "-" + Integer.toHexString(id.hashCode());
    }
    return k;
  }
}
