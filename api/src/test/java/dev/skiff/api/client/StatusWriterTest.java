package dev.skiff.api.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StatusWriterTest {
  private final Vertx vertx = Vertx.vertx();
  private final LinkedBlockingQueue<String> seen = new LinkedBlockingQueue<>();
  private volatile int answer = 200;
  private HttpServer server;
  private StatusWriter writer;

  @BeforeEach
  void start() throws Exception {
    server =
        vertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.body()
                        .onSuccess(
                            body -> {
                              seen.add(
                                  req.method()
                                      + " "
                                      + req.uri()
                                      + " "
                                      + req.getHeader("Authorization")
                                      + " "
                                      + req.getHeader("Content-Type")
                                      + " "
                                      + body);
                              req.response().setStatusCode(answer).end("{\"why\":\"because\"}");
                            }))
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    writer =
        new StatusWriter(
            vertx, new HttpClientOptions(), "127.0.0.1", server::actualPort, "component-token");
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private void put(boolean notFoundIsFine) throws Exception {
    writer
        .put(
            "/v1/namespaces/ns/things/a/status",
            Map.of("phase", "Ready"),
            notFoundIsFine,
            Boom::new)
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void putsTheStatusAsJsonWithTheComponentsCredential() throws Exception {
    put(false);
    assertEquals(
        "PUT /v1/namespaces/ns/things/a/status Bearer component-token application/json"
            + " {\"phase\":\"Ready\"}",
        seen.poll(10, TimeUnit.SECONDS));
  }

  @Test
  void aNotFoundIsFineOnlyWhenAsked() throws Exception {
    answer = 404;
    put(true);
    ExecutionException e = assertThrows(ExecutionException.class, () -> put(false));
    assertInstanceOf(Boom.class, e.getCause());
  }

  @Test
  void anotherAnswerFailsNamingTheStatusTheUriAndTheBody() {
    answer = 409;
    ExecutionException e = assertThrows(ExecutionException.class, () -> put(true));
    Boom boom = assertInstanceOf(Boom.class, e.getCause());
    assertEquals(
        "control plane answered 409 to /v1/namespaces/ns/things/a/status: {\"why\":\"because\"}",
        boom.getMessage());
  }

  static final class Boom extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Boom(String message) {
      super(message);
    }
  }
}
