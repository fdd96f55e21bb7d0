package dev.skiff.node.container.internal;

import dev.skiff.node.container.ContainerExit;
import dev.skiff.node.container.ContainerInstance;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One container, from the moment its runtime process started. Its exit, whether asked for or not,
 * runs the teardown and then completes {@link #exited()}. Thread-safe.
 */
public final class RunningContainer implements ContainerInstance {
  private static final System.Logger LOG = System.getLogger(RunningContainer.class.getName());
  // After SIGKILL a container normally ends in milliseconds; past this the runtime itself is stuck.
  private static final Duration KILL_GRACE = Duration.ofSeconds(10);
  private static final Duration PUMP_GRACE = Duration.ofSeconds(5);
  // Between taking an unhealthy container out of the endpoints and killing it.
  private static final Duration UNHEALTHY_GRACE = Duration.ofSeconds(1);

  private final Host host;
  private final Context context;
  private final String id;
  private final String imageDigest;
  private final String key;
  private final String address;
  private final int port;
  private final boolean h2c;
  private final Bundle bundle;
  private final Process process;
  private final LogPump stdout;
  private final LogPump stderr;
  private final Teardown teardown;
  private final AtomicBoolean stopRequested = new AtomicBoolean();
  private final Promise<ContainerExit> exited = Promise.promise();
  private final long startedAtNanos = System.nanoTime();
  private final CompletableFuture<Void> execd;
  private final boolean execWatched;
  private volatile long execdAtNanos;
  private volatile dev.skiff.node.spi.InstanceExit killedFor;
  private volatile java.util.function.Consumer<Boolean> readinessListener = ready -> {};

  RunningContainer(
      Host host,
      Context context,
      String id,
      String key,
      String address,
      int port,
      boolean h2c,
      Bundle bundle,
      Process process,
      LogPump stdout,
      LogPump stderr,
      Teardown teardown,
      String imageDigest,
      CompletableFuture<Void> execd,
      boolean execWatched) {
    this.imageDigest = imageDigest;
    this.execWatched = execWatched;
    this.execd = execd.thenRun(() -> execdAtNanos = System.nanoTime());
    this.host = host;
    this.context = context;
    this.id = id;
    this.key = key;
    this.address = address;
    this.port = port;
    this.h2c = h2c;
    this.bundle = bundle;
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
    this.teardown = teardown;
    process
        .onExit()
        .thenAccept(
            p ->
                host.workers()
                    .executeBlocking(() -> finish(p.exitValue()), false)
                    .onComplete(
                        ar ->
                            context.runOnContext(
                                v ->
                                    exited.complete(
                                        ar.succeeded()
                                            ? ar.result()
                                            : new ContainerExit(
                                                p.exitValue(),
                                                false,
                                                stopRequested.get(),
                                                Instant.now())))));
  }

  @Override
  public String imageDigest() {
    return imageDigest;
  }

  @Override
  public String id() {
    return id;
  }

  /** The runtime's name for it, also its directory and namespace suffix. */
  public String key() {
    return key;
  }

  @Override
  public String host() {
    return address;
  }

  @Override
  public int port() {
    return port;
  }

  /** Whether the workload speaks HTTP/2 cleartext on its port (the port is named h2c). */
  public boolean h2c() {
    return h2c;
  }

  @Override
  public Path logDirectory() {
    return bundle.logs();
  }

  @Override
  public Future<ContainerExit> exited() {
    return exited.future();
  }

  /** True once the runtime process has ended, before the teardown finishes. */
  public boolean processEnded() {
    return !process.isAlive();
  }

  /** The last lines of both streams, for error messages. */
  public List<String> lastOutput() {
    List<String> out = new ArrayList<>();
    stdout.tail().forEach(l -> out.add("stdout: " + l));
    stderr.tail().forEach(l -> out.add("stderr: " + l));
    return out;
  }

  /**
   * SIGTERM, then SIGKILL once {@code drain} has passed; completes when the container is gone and
   * cleaned up. Safe to call more than once and after an exit.
   */
  @Override
  public Future<Void> stop(Duration drain) {
    if (stopRequested.compareAndSet(false, true) && process.isAlive()) {
      if (host.runtime().forwardsSignals() && execWatched && execd.isDone()) {
        // runc runs in the foreground and forwards what it is sent to the container's init once
        // the container runs, so SIGTERM goes to the runtime process (a child of this JVM, so its
        // pid cannot have been reused) instead of through a `runc kill` process: one Go process
        // fewer per stop, competing with the starts beside it for the CPU. Through its handle:
        // Process.destroy would also close the pipes the log pumps read, losing the drain's output.
        process.toHandle().destroy();
        escalate(drain, "KILL");
      } else {
        host.workers()
            .executeBlocking(() -> host.runtime().kill(key, "TERM"), false)
            .onComplete(ar -> escalate(drain, "KILL"));
      }
    }
    return exited.future().mapEmpty();
  }

  /**
   * SIGKILL at once because the instance is unhealthy (its liveness probe failed): unlike {@link
   * #kill()} this is an end the agent sees ({@link #ended()}), so it restarts the instance.
   */
  public void killFor(String reason, String message) {
    if (killedFor == null && !stopRequested.get()) {
      killedFor = new dev.skiff.node.spi.InstanceExit(reason, message);
      LOG.log(Level.WARNING, "container {0}: {1}", key, message);
      // Out of the endpoints first, so requests stop going to it, then killed once those that
      // picked it just before had their moment (as the agent withdraws an instance it stops).
      readinessListener.accept(false);
      escalate(UNHEALTHY_GRACE, "KILL");
    }
  }

  @Override
  public Future<dev.skiff.node.spi.InstanceExit> ended() {
    return exited()
        .compose(
            e -> {
              if (e.requested()) {
                return Promise.<dev.skiff.node.spi.InstanceExit>promise().future();
              }
              dev.skiff.node.spi.InstanceExit why = killedFor;
              return Future.succeededFuture(
                  why != null
                      ? why
                      : new dev.skiff.node.spi.InstanceExit(
                          e.reason(), "the container ended: " + e));
            });
  }

  @Override
  public void onReadinessChange(java.util.function.Consumer<Boolean> listener) {
    this.readinessListener = listener;
  }

  /** Tells the agent the readiness probe now passes, or no longer does. */
  void readinessChanged(boolean ready) {
    if (ready && killedFor != null) {
      return; // being killed as unhealthy: it stays out
    }
    LOG.log(
        Level.INFO,
        "container {0} {1} its readiness probe",
        key,
        ready ? "passes" : "no longer passes");
    readinessListener.accept(ready);
  }

  /**
   * Completes once the runtime has exec'd the workload (seen by {@link ExecWatch}), or its start
   * ended otherwise; complete from the start when it cannot be watched.
   */
  public CompletableFuture<Void> workloadExecd() {
    return execd;
  }

  /** Whether {@link #workloadExecd} tells the workload's exec rather than nothing. */
  public boolean execWatched() {
    return execWatched;
  }

  /** How long ago the workload was exec'd, or the runtime process started until that is seen. */
  public long workloadRunningForNanos() {
    long since = execdAtNanos;
    return System.nanoTime() - (since != 0 ? since : startedAtNanos);
  }

  /** How long ago the runtime process was started. */
  public long runningForMillis() {
    return (System.nanoTime() - startedAtNanos) / 1_000_000;
  }

  /** SIGKILL at once, for an instance that failed to start. */
  public Future<ContainerExit> kill() {
    stopRequested.set(true);
    escalate(Duration.ZERO, "KILL");
    return exited.future();
  }

  private void escalate(Duration after, String signal) {
    if (!process.isAlive()) {
      return;
    }
    long timer =
        host.vertx()
            .setTimer(
                Math.max(1, after.toMillis()),
                t -> {
                  if (!process.isAlive()) {
                    return;
                  }
                  if (signal.equals("KILL")) {
                    host.workers()
                        .executeBlocking(() -> host.runtime().kill(key, "KILL"), false)
                        .onComplete(ar -> escalate(KILL_GRACE, "RUNTIME"));
                  } else {
                    // The runtime did not end after SIGKILL: end it, and the teardown deletes the
                    // container by force.
                    LOG.log(
                        Level.WARNING,
                        "container {0} outlived SIGKILL by {1} s; killing its runtime process",
                        key,
                        KILL_GRACE.toSeconds());
                    process.destroyForcibly();
                  }
                });
    process.onExit().thenRun(() -> host.vertx().cancelTimer(timer));
  }

  // Runs on a worker once the runtime process has exited.
  private ContainerExit finish(int exitCode) {
    boolean oom = host.runtime().keepsStoppedContainers() && host.cgroups().oomKills(key) > 0;
    try {
      CompletableFuture.allOf(stdout.done(), stderr.done())
          .get(PUMP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // A process that inherited the container's stdout may still hold it; the logs end here.
      LOG.log(Level.DEBUG, "log streams of {0} did not end: {1}", key, e.toString());
    }
    List<String> failures = teardown.run();
    if (!failures.isEmpty()) {
      LOG.log(
          Level.WARNING,
          "cleanup of container {0} left things behind (the next reconcile removes them): {1}",
          key,
          failures);
    }
    ContainerExit exit = new ContainerExit(exitCode, oom, stopRequested.get(), Instant.now());
    LOG.log(
        stopRequested.get() ? Level.DEBUG : Level.WARNING,
        "container {0} {1}",
        key,
        exit.describe());
    return exit;
  }
}
