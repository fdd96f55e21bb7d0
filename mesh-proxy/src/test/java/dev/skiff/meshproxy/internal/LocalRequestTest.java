package dev.skiff.meshproxy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.HostAndPort;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LocalRequestTest {
  private final Vertx vertx = Vertx.vertx();
  private final Context context = vertx.getOrCreateContext();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private LocalRequest request(String body) {
    return new LocalRequest(
        context,
        HttpMethod.POST,
        "/events?x=1",
        HostAndPort.create("event.default", 80),
        MultiMap.caseInsensitiveMultiMap(),
        body.getBytes(StandardCharsets.UTF_8),
        1024);
  }

  /** Runs {@code steps} on the request's context, then one more turn, and returns what was seen. */
  private List<String> onContext(Consumer<List<String>> steps) throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    CompletableFuture<List<String>> done = new CompletableFuture<>();
    context.runOnContext(
        v -> {
          steps.accept(seen);
          // Delivery after resume() is a later task on the same context: this one runs after it.
          context.runOnContext(w -> done.complete(seen));
        });
    return done.get(30, TimeUnit.SECONDS);
  }

  @Test
  void aBodyTakenWholeIsTheCallersAndIsNotDeliveredAgainToHandlers() throws Exception {
    LocalRequest req = request("{\"id\":1}");

    List<String> seen =
        onContext(
            s -> {
              byte[] body = req.takeBody();
              s.add("taken:" + new String(body, StandardCharsets.UTF_8));
              req.handler(chunk -> s.add("data"));
              req.endHandler(v -> s.add("end"));
              req.resume();
              s.add("again:" + (req.takeBody() == null ? "null" : "bytes"));
            });

    assertEquals(List.of("taken:{\"id\":1}", "again:null"), seen);
    assertTrue(req.isEnded());
    assertEquals(8, req.bytesRead());
  }

  @Test
  void aBodyTakenWholeIsTheCallersOwnArrayNotACopy() throws Exception {
    byte[] callers = "{\"id\":2}".getBytes(StandardCharsets.UTF_8);
    LocalRequest req =
        new LocalRequest(
            context,
            HttpMethod.POST,
            "/",
            HostAndPort.create("event.default", 80),
            MultiMap.caseInsensitiveMultiMap(),
            callers,
            1024);

    List<byte[]> taken = new CopyOnWriteArrayList<>();
    onContext(s -> taken.add(req.takeBody()));

    assertSame(callers, taken.get(0));
  }

  @Test
  void aBodyWhoseDeliveryBeganCannotBeTakenWhole() throws Exception {
    LocalRequest req = request("abc");

    List<String> seen =
        onContext(
            s -> {
              req.handler(chunk -> s.add("data:" + chunk));
              req.endHandler(v -> s.add("end"));
              req.resume();
              s.add("take:" + (req.takeBody() == null ? "null" : "bytes"));
            });

    assertEquals(List.of("take:null", "data:abc", "end"), seen);
  }

  @Test
  void anEmptyBodyIsTakenAsNoBytes() throws Exception {
    LocalRequest req = request("");

    List<String> seen = onContext(s -> s.add("length:" + req.takeBody().length));

    assertEquals(List.of("length:0"), seen);
  }
}
