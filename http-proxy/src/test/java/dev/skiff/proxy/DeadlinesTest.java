package dev.skiff.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Deadlines queued per event loop and length, on a real Vert.x. */
class DeadlinesTest {
  private static final Duration SHORT = Duration.ofMillis(50);
  private static final Duration LONG = Duration.ofSeconds(60);

  private final Vertx vertx = Vertx.vertx();
  private final Deadlines deadlines = new Deadlines(vertx);
  private final Context loop = vertx.getOrCreateContext();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void anUncancelledDeadlineRunsItsActionOnTheContextItWasStartedFrom() throws Exception {
    CompletableFuture<Context> ranOn = new CompletableFuture<>();
    onLoop(() -> deadlines.start(loop, SHORT, () -> ranOn.complete(Vertx.currentContext())));

    assertSame(loop, ranOn.get(10, TimeUnit.SECONDS));
  }

  @Test
  void cancelledDeadlinesNeverRunWhileLaterOnesDo() throws Exception {
    AtomicInteger cancelledRan = new AtomicInteger();
    CompletableFuture<Void> lastRan = new CompletableFuture<>();
    onLoop(
        () -> {
          List<Deadlines.Deadline> cancelled = new ArrayList<>();
          for (int i = 0; i < 3; i++) {
            cancelled.add(deadlines.start(loop, SHORT, cancelledRan::incrementAndGet));
          }
          deadlines.start(loop, SHORT, () -> lastRan.complete(null));
          cancelled.forEach(Deadlines.Deadline::cancel);
          return null;
        });

    lastRan.get(10, TimeUnit.SECONDS); // the cancelled ones fell due before it

    assertEquals(0, cancelledRan.get());
  }

  @Test
  void aShortDeadlineIsNotHeldBackByALongerOneStartedBeforeIt() throws Exception {
    AtomicBoolean longRan = new AtomicBoolean();
    CompletableFuture<Void> shortRan = new CompletableFuture<>();
    onLoop(
        () -> {
          deadlines.start(loop, LONG, () -> longRan.set(true));
          return deadlines.start(loop, SHORT, () -> shortRan.complete(null));
        });

    shortRan.get(10, TimeUnit.SECONDS);

    assertFalse(longRan.get());
  }

  @Test
  void cancelledDeadlinesDoNotPileUpBehindOneThatIsStillRunning() throws Exception {
    Deadlines.Deadline running = onLoop(() -> deadlines.start(loop, LONG, () -> {}));
    onLoop(
        () -> {
          for (int i = 0; i < 20_000; i++) {
            deadlines.start(loop, LONG, () -> {}).cancel();
          }
          return null;
        });

    assertTrue(deadlines.queued() < 5_000, "queued: " + deadlines.queued());

    onLoop(
        () -> {
          running.cancel();
          return null;
        });
    assertEquals(0, deadlines.queued());
  }

  @Test
  void aDeadlineStartedOffItsEventLoopStillRunsAndCancels() throws Exception {
    CompletableFuture<Void> ran = new CompletableFuture<>();
    AtomicBoolean cancelledRan = new AtomicBoolean();
    deadlines.start(loop, LONG, () -> cancelledRan.set(true)).cancel(); // on the test's thread
    deadlines.start(loop, SHORT, () -> ran.complete(null));

    ran.get(10, TimeUnit.SECONDS);

    assertFalse(cancelledRan.get());
    assertEquals(0, deadlines.queued(), "off the loop, a deadline is a timer of its own");
  }

  private <T> T onLoop(Supplier<T> work) throws Exception {
    CompletableFuture<T> result = new CompletableFuture<>();
    loop.runOnContext(
        v -> {
          try {
            result.complete(work.get());
          } catch (RuntimeException e) {
            result.completeExceptionally(e);
          }
        });
    return result.get(10, TimeUnit.SECONDS);
  }
}
