package dev.skiff.activator;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cold-start trace: with the {@code skiff.coldstart} logger at DEBUG, a request that waited in
 * the queue logs where its time went when it ends; a request that found capacity logs nothing.
 */
class ColdStartTraceTest extends ActivatorTestBase {
  private final Logger trace = Logger.getLogger("skiff.coldstart");
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final Handler capture =
      new Handler() {
        @Override
        public void publish(LogRecord r) {
          lines.add(r.getMessage());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void traceOn() {
    trace.setLevel(Level.FINE);
    trace.addHandler(capture);
  }

  @AfterEach
  void traceOff() {
    trace.removeHandler(capture);
    trace.setLevel(null);
  }

  @Test
  void aRequestThatWaitedForItsInstanceLogsEachStepOfItsWaitAndOneThatDidNotLogsNothing() {
    Future<Response> cold = get("traced-00001", "/cold");
    eventually("the request is queued", () -> queued("traced-00001") == 1);
    eventually("the cold period is poked", () -> !pokes.isEmpty());

    Backend b = backend("traced-00001");
    endpoints.publish(NS, "traced-00001", 0, b.endpoint());
    assertEquals(200, await(cold).status());
    assertEquals(200, await(get("traced-00001", "/warm")).status());

    eventually("the cold request's trace", () -> !lines.isEmpty());
    assertEquals(1, lines.size(), "only the request that waited: " + lines);
    String line = lines.get(0);
    assertTrue(
        line.matches(
            "activator default/traced-00001 request \\S+ served: queued [\\d.]+, poke"
                + " [\\d.]+-[\\d.]+, granted [\\d.]+, on its loop [\\d.]+, handed to the instance"
                + " [\\d.]+, ended [\\d.]+ ms \\(t0 \\d+; poked on \\S+, granted on \\S+\\)"),
        line);
  }
}
