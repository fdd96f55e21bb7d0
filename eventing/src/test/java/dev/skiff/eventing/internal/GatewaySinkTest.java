package dev.skiff.eventing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.eventing.spi.EventReply;
import dev.skiff.eventing.spi.EventRequest;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Deliveries through the gateway, against a real HTTP server on loopback. */
class GatewaySinkTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /**
   * Deliveries start on consumer threads, not event loops: each must get its whole answer. Made
   * from such a thread, the response's handlers could be set after the (small) response had ended,
   * and the delivery hung until its timeout, to be retried as a duplicate.
   */
  @Test
  void deliveriesFromConsumerThreadsEachGetTheirWholeAnswer() throws Exception {
    HttpServer server =
        vertx
            .createHttpServer()
            .requestHandler(req -> req.response().setStatusCode(202).end("taken"))
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    HttpClient http = vertx.createHttpClient();
    GatewaySink sink = new GatewaySink(vertx, http, "127.0.0.1", server::actualPort, "example.com");
    int threads = 4;
    int each = 2000;
    ExecutorService consumers = Executors.newFixedThreadPool(threads);
    try {
      List<Future<List<String>>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(
            consumers.submit(
                () -> {
                  List<String> failures = new ArrayList<>();
                  for (int i = 0; i < each; i++) {
                    try {
                      EventReply r =
                          sink.deliver(
                                  "default",
                                  "hello",
                                  new EventRequest(
                                      "/", List.of(), new byte[0], Duration.ofSeconds(5)))
                              .toCompletionStage()
                              .toCompletableFuture()
                              .get(30, TimeUnit.SECONDS);
                      String body = new String(r.body(), StandardCharsets.UTF_8);
                      if (r.status() != 202 || !body.equals("taken")) {
                        failures.add(r.status() + " " + body);
                      }
                    } catch (Exception e) {
                      failures.add(String.valueOf(e));
                    }
                  }
                  return failures;
                }));
      }
      List<String> failures = new ArrayList<>();
      for (Future<List<String>> r : results) {
        failures.addAll(r.get(120, TimeUnit.SECONDS));
      }
      assertEquals(
          List.of(),
          failures.subList(0, Math.min(5, failures.size())),
          failures.size() + " of " + threads * each + " deliveries failed");
    } finally {
      consumers.shutdownNow();
    }
  }
}
