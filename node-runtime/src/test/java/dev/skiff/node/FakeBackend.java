package dev.skiff.node;

import dev.skiff.node.spi.Instance;
import dev.skiff.node.spi.InstanceExit;
import dev.skiff.node.spi.InstanceSpec;
import dev.skiff.node.spi.RuntimeBackend;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/** A Wasm-kind backend whose starts succeed at once, or fail with the reason the test sets. */
public final class FakeBackend implements RuntimeBackend {
  private final AtomicInteger starts = new AtomicInteger();
  private final AtomicInteger port = new AtomicInteger(40000);
  private final AtomicReference<InstanceStartException> failure = new AtomicReference<>();
  public final List<FakeInstance> running = new CopyOnWriteArrayList<>();
  private volatile List<dev.skiff.node.spi.StartProgress.ImagePull> pulls = List.of();

  /** From now on each start first reports these pull statuses to its spec's progress. */
  public void pullsFirst(List<dev.skiff.node.spi.StartProgress.ImagePull> statuses) {
    pulls = List.copyOf(statuses);
  }

  /** From now on starts fail with this (null: they succeed). */
  public void failStartsWith(InstanceStartException e) {
    failure.set(e);
  }

  private volatile boolean stall;
  public final List<Promise<Instance>> stalled = new CopyOnWriteArrayList<>();

  /** From now on starts never finish by themselves (until the test completes {@link #stalled}). */
  public void stallStarts(boolean on) {
    stall = on;
  }

  /** Finishes the stalled start {@code i} now, with a running instance. */
  public FakeInstance finishStalled(int i) {
    FakeInstance inst = new FakeInstance("late-" + i, port.incrementAndGet());
    running.add(inst);
    stalled.get(i).complete(inst);
    return inst;
  }

  public int starts() {
    return starts.get();
  }

  @Override
  public String kind() {
    return "wasm";
  }

  @Override
  public Future<Instance> start(InstanceSpec spec) {
    starts.incrementAndGet();
    pulls.forEach(spec.progress()::onPull);
    if (stall) {
      Promise<Instance> p = Promise.promise();
      stalled.add(p);
      return p.future();
    }
    InstanceStartException e = failure.get();
    if (e != null) {
      return Future.failedFuture(e);
    }
    FakeInstance i = new FakeInstance(spec.id(), port.incrementAndGet());
    running.add(i);
    return Future.succeededFuture(i);
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  /** An instance that runs until stopped or {@link #crash}ed. */
  public final class FakeInstance implements Instance {
    private final String id;
    private final int port;
    private final Promise<InstanceExit> ended = Promise.promise();
    public volatile boolean stopped;

    FakeInstance(String id, int port) {
      this.id = id;
      this.port = port;
    }

    public void crash(String reason) {
      running.remove(this);
      ended.tryComplete(new InstanceExit(reason, "exit status 1"));
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public String host() {
      return "127.0.0.1";
    }

    @Override
    public int port() {
      return port;
    }

    @Override
    public Future<InstanceExit> ended() {
      return ended.future();
    }

    @Override
    public Future<Void> stop(Duration drain) {
      stopped = true;
      running.remove(this);
      return Future.succeededFuture();
    }
  }
}
