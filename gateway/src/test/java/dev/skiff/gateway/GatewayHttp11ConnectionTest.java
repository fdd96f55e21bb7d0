package dev.skiff.gateway;

import static dev.skiff.proxy.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.proxy.testing.RawHttp;
import dev.skiff.proxy.testing.RawHttp.Reply;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a plaintext HTTP/1.x connection to the gateway does between and around requests, over raw
 * sockets: pipelined requests answered in order, Expect: 100-continue, Connection: close and
 * HTTP/1.0 keep-alive, the request line and head limits (414, 431).
 */
class GatewayHttp11ConnectionTest extends GatewayTestBase {
  private static final String HOST = "hello.default.localhost";

  private Backend backend;

  @BeforeEach
  void deployHello() {
    backend = deployEcho("hello");
  }

  private static String get(String path) {
    return "GET " + path + " HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n";
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderOnOneConnection() {
    try (RawHttp c = RawHttp.connect(gateway.actualPort())) {
      Reply r =
          c.send(get("/one") + get("/two") + get("/three")).readUntil("x-seen-uri: /three", 30_000);

      String text = r.text().toLowerCase(Locale.ROOT);
      // Bodies end without a line break: count the answers by the backend's header.
      assertEquals(3, text.split("x-seen-uri: ", -1).length - 1, r.text());
      int one = text.indexOf("x-seen-uri: /one");
      int two = text.indexOf("x-seen-uri: /two");
      int three = text.indexOf("x-seen-uri: /three");
      assertTrue(one >= 0 && one < two && two < three, r.text());
      assertFalse(r.closed());
    }
  }

  @Test
  void aPipelinedPostsBodyStaysWithItsRequest() {
    String post = "POST /echo HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 5\r\n\r\nhello";
    try (RawHttp c = RawHttp.connect(gateway.actualPort())) {
      Reply r = c.send(post + get("/after")).readUntil("x-seen-uri: /after", 30_000);

      assertEquals(2, r.responses(), r.text());
      assertTrue(r.text().contains("hello"), r.text());
      assertEquals(2, backend.seen.size());
    }
  }

  @Test
  void expectContinueGetsOneHundredBeforeTheBodyIsSent() {
    try (RawHttp c = RawHttp.connect(gateway.actualPort())) {
      Reply interim =
          c.send(
                  "POST /echo HTTP/1.1\r\nHost: "
                      + HOST
                      + "\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
              .readUntil("\r\n\r\n", 30_000);

      assertEquals(100, interim.status(), interim.text());
      Reply r = c.send("hello").readUntil("hello", 30_000);
      assertEquals(200, r.status(), r.text());
    }
  }

  @Test
  void connectionCloseFromTheClientIsAnsweredAndTheConnectionClosed() {
    try (RawHttp c = RawHttp.connect(gateway.actualPort())) {
      Reply r =
          c.send("GET / HTTP/1.1\r\nHost: " + HOST + "\r\nConnection: close\r\n\r\n").reply(3000);

      assertEquals(200, r.status(), r.text());
      assertTrue(r.text().toLowerCase(Locale.ROOT).contains("connection: close"), r.text());
      assertTrue(r.closed());
    }
  }

  @Test
  void anHttp10RequestIsKeptAliveOnlyWhenItAsks() {
    try (RawHttp c = RawHttp.connect(gateway.actualPort())) {
      Reply kept =
          c.send("GET /kept HTTP/1.0\r\nHost: " + HOST + "\r\nConnection: keep-alive\r\n\r\n")
              .readUntil("hello-00001", 30_000);

      assertEquals(200, kept.status(), kept.text());
      assertTrue(kept.text().toLowerCase(Locale.ROOT).contains("connection: keep-alive"));
      assertTrue(kept.text().toLowerCase(Locale.ROOT).contains("content-length:"));
      assertFalse(kept.closed());

      Reply closed = c.send("GET /closed HTTP/1.0\r\nHost: " + HOST + "\r\n\r\n").reply(3000);
      assertEquals(200, closed.status(), closed.text());
      assertTrue(closed.closed());
    }
  }

  @Test
  void aRequestInFlightWhenTheGatewayStopsIsAnsweredBeforeItsConnectionCloses() {
    Promise<HttpServerRequest> held = Promise.promise();
    Backend slow = Backend.start(vertx, "slow-00001", held::tryComplete);
    backends.add(slow);
    endpoints.publish(NS, "slow-00001", slow.endpoint());
    gateway.onResourceEvent(
        Services.put(Services.service(NS, "slow", Services.to("slow-00001", 100))));
    try (RawHttp c = RawHttp.connect(gateway.actualPort())) {
      c.send("GET /held HTTP/1.1\r\nHost: " + host("slow") + "\r\n\r\n");
      HttpServerRequest upstream = await(held.future());

      int port = gateway.actualPort();
      Future<Void> closed = gateway.close();
      // The answer comes only once the gateway has stopped listening: a stop that closed its
      // connections at once would have closed this one by then.
      awaitRefused(port);
      upstream.response().end("answered");
      await(closed);
      Reply r = c.reply(1000);

      assertEquals(200, r.status(), r.text());
      assertTrue(r.text().endsWith("answered"), r.text());
      assertTrue(r.closed());
    }
  }

  @Test
  void anOverlongRequestLineIs414() {
    Reply r = RawHttp.exchange(gateway.actualPort(), get("/" + "a".repeat(5000)));

    assertEquals(414, r.status(), r.text());
    assertTrue(backend.seen.isEmpty());
  }

  @Test
  void anOverlargeHeadIs431() {
    Reply r =
        RawHttp.exchange(
            gateway.actualPort(),
            "GET / HTTP/1.1\r\nHost: " + HOST + "\r\nX-Big: " + "b".repeat(9000) + "\r\n\r\n");

    assertEquals(431, r.status(), r.text());
    assertTrue(backend.seen.isEmpty());
  }

  /** Waits until nothing listens on {@code port} any more. */
  private static void awaitRefused(int port) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 1000);
      } catch (IOException refused) {
        return;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("the gateway still listens on " + port + " 30 s after its close");
  }
}
