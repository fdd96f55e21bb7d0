package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.wasm.spi.OutboundRequest;
import dev.skiff.wasm.spi.OutboundResponse;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Calls to an allowed host outside the mesh, against a real HTTP server on loopback. */
class DirectCallsTest {
  private final Vertx vertx = Vertx.vertx();
  private final DirectCalls direct = new DirectCalls(vertx);

  @AfterEach
  void stop() throws Exception {
    direct.close();
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /**
   * Wasm requests calling one host at once each hold a call open (the guest waits on its thread):
   * the calls must not queue behind a handful of pooled connections (Vert.x's default is 5 per
   * host), or a function calling out at 1,000 calls a second is capped by the pool, not the host.
   */
  @Test
  void manyCallsToOneHostAreOpenAtOnce() throws Exception {
    int together = 24;
    List<HttpServerRequest> held = java.util.Collections.synchronizedList(new ArrayList<>());
    HttpServer server =
        await(
            vertx
                .createHttpServer()
                .requestHandler(
                    req -> {
                      // Answers nothing until `together` requests are open at the same time.
                      held.add(req);
                      if (held.size() == together) {
                        held.forEach(r -> r.response().end("ok"));
                      }
                    })
                .listen(0, "127.0.0.1"));
    URI url = URI.create("http://127.0.0.1:" + server.actualPort() + "/");

    List<Future<OutboundResponse>> calls = new ArrayList<>();
    for (int i = 0; i < together; i++) {
      calls.add(
          direct.send(
              new OutboundRequest(
                  "caller", "GET", url, List.of(), new byte[0], Duration.ofSeconds(5), 1024)));
    }

    for (Future<OutboundResponse> call : calls) {
      assertEquals(200, await(call).status());
    }
  }

  /**
   * A Wasm guest calls from its own worker thread, not an event loop. The response's handlers must
   * be in place before its body can arrive: set in a callback that ran after the whole (small)
   * response had been read, the call saw "Response already ended" and hung until its timeout
   * (MeshCallsIT failed so on a loaded CI machine).
   */
  @Test
  void callsFromWorkerThreadsEachGetTheirWholeAnswer() throws Exception {
    HttpServer server =
        await(
            vertx
                .createHttpServer()
                .requestHandler(req -> req.response().end("outside ok"))
                .listen(0, "127.0.0.1"));
    URI url = URI.create("http://127.0.0.1:" + server.actualPort() + "/");
    int threads = 4;
    int callsEach = 2000;
    java.util.concurrent.ExecutorService workers =
        java.util.concurrent.Executors.newFixedThreadPool(threads);
    try {
      List<java.util.concurrent.Future<List<String>>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(
            workers.submit(
                () -> {
                  List<String> failures = new ArrayList<>();
                  for (int i = 0; i < callsEach; i++) {
                    try {
                      OutboundResponse r =
                          await(
                              direct.send(
                                  new OutboundRequest(
                                      "caller",
                                      "GET",
                                      url,
                                      List.of(),
                                      new byte[0],
                                      Duration.ofSeconds(5),
                                      1024)));
                      if (r.status() != 200 || !new String(r.body()).equals("outside ok")) {
                        failures.add(r.status() + " " + new String(r.body()));
                      }
                    } catch (Exception e) {
                      failures.add(String.valueOf(e));
                    }
                  }
                  return failures;
                }));
      }
      List<String> failures = new ArrayList<>();
      for (java.util.concurrent.Future<List<String>> r : results) {
        failures.addAll(r.get(120, TimeUnit.SECONDS));
      }
      assertEquals(
          List.of(),
          failures.subList(0, Math.min(5, failures.size())),
          failures.size() + " of " + threads * callsEach + " calls failed");
    } finally {
      workers.shutdownNow();
    }
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
