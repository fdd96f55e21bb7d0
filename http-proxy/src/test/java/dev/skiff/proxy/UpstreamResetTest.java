package dev.skiff.proxy;

import static dev.skiff.proxy.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Stopping an upstream request whose client went away, against Vert.x's real pooled HTTP/1.1
 * connections: a request that was answered in full must not take down the connection the pool has
 * lent to the next request meanwhile.
 */
class UpstreamResetTest {
  private Vertx vertx;
  private HttpServer upstream;
  private HttpClientAgent client;
  private final AtomicInteger connections = new AtomicInteger();
  private RequestOptions get;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    upstream =
        await(
            vertx
                .createHttpServer()
                .connectionHandler(c -> connections.incrementAndGet())
                .requestHandler(req -> req.response().end("ok " + req.uri()))
                .listen(0, "127.0.0.1"));
    // One connection: the next request is lent the very connection the last one ran on.
    client =
        vertx
            .httpClientBuilder()
            .with(new HttpClientOptions().setKeepAlive(true))
            .with(new PoolOptions().setHttp1MaxSize(1))
            .build();
    get = new RequestOptions().setHost("127.0.0.1").setPort(upstream.actualPort());
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  @Test
  void resettingAnAnsweredRequestLeavesItsConnectionToTheNextRequest() {
    HttpClientRequest first = await(client.request(new RequestOptions(get).setURI("/first")));
    // The body is read in the response's own callback: read later, it may have gone by.
    assertEquals("ok /first", await(first.send().compose(HttpClientResponse::body)).toString());
    HttpClientRequest next = await(client.request(new RequestOptions(get).setURI("/next")));
    assertSame(first.connection(), next.connection(), "the pool lent the same connection");

    EndpointProxy.resetUnlessAnswered(first, new IllegalStateException("the client went away"));

    assertEquals("ok /next", await(next.send().compose(HttpClientResponse::body)).toString());
    assertEquals(1, connections.get(), "one connection served both");
  }

  @Test
  void resettingARequestStillAwaitingItsAnswerClosesItsConnection() {
    HttpServer silent =
        await(vertx.createHttpServer().requestHandler(req -> {}).listen(0, "127.0.0.1"));
    HttpClientRequest waiting =
        await(
            client.request(
                new RequestOptions()
                    .setHost("127.0.0.1")
                    .setPort(silent.actualPort())
                    .setURI("/")));
    var response = waiting.send();

    EndpointProxy.resetUnlessAnswered(waiting, new IllegalStateException("the client went away"));

    assertEquals(
        true,
        await(response.<Boolean>transform(ar -> io.vertx.core.Future.succeededFuture(ar.failed()))),
        "the unanswered request was stopped");
  }
}
