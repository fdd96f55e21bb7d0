package dev.skiff.bench;

import dev.skiff.proxy.Deadlines;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What a request's deadline costs on its event loop when the request ends long before it (nearly
 * every request): a Vert.x timer set and cancelled ({@link #vertxTimer}, how the gateway's route
 * timeout and the sidecar's request timeout did it) against {@link Deadlines} started and cancelled
 * ({@link #queuedDeadline}, how they do it now). Each invocation runs {@value #BATCH} of them on
 * the event loop, with {@value #IN_FLIGHT} other requests' deadlines pending, as under load.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DeadlinesBenchmark {
  static final int BATCH = 1_000;
  static final int IN_FLIGHT = 10;
  private static final Duration LENGTH = Duration.ofSeconds(300);

  private Vertx vertx;
  private Context loop;
  private Deadlines deadlines;
  private final long[] timers = new long[IN_FLIGHT];
  private final Deadlines.Deadline[] pending = new Deadlines.Deadline[IN_FLIGHT];

  @Setup(Level.Trial)
  public void start() {
    vertx = Vertx.vertx();
    loop = vertx.getOrCreateContext();
    deadlines = new Deadlines(vertx);
  }

  @TearDown(Level.Trial)
  public void stop() {
    vertx.close().await();
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public long vertxTimer() {
    return onLoop(
        () -> {
          long sum = 0;
          for (int i = 0; i < BATCH; i++) {
            int slot = i % IN_FLIGHT;
            if (i >= IN_FLIGHT) {
              vertx.cancelTimer(timers[slot]);
            }
            timers[slot] = vertx.setTimer(LENGTH.toMillis(), id -> {});
            sum += timers[slot];
          }
          for (long t : timers) {
            vertx.cancelTimer(t);
          }
          return sum;
        });
  }

  @Benchmark
  @OperationsPerInvocation(BATCH)
  public long queuedDeadline() {
    return onLoop(
        () -> {
          long sum = 0;
          for (int i = 0; i < BATCH; i++) {
            int slot = i % IN_FLIGHT;
            if (i >= IN_FLIGHT) {
              pending[slot].cancel();
            }
            pending[slot] = deadlines.start(loop, LENGTH, () -> {});
            sum += slot;
          }
          for (Deadlines.Deadline d : pending) {
            d.cancel();
          }
          return sum;
        });
  }

  private long onLoop(java.util.function.LongSupplier work) {
    CompletableFuture<Long> done = new CompletableFuture<>();
    loop.runOnContext(v -> done.complete(work.getAsLong()));
    return done.join();
  }
}
