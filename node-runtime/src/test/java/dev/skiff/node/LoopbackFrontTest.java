package dev.skiff.node;

import static dev.skiff.node.Fixtures.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.skiff.node.spi.Instance;
import dev.skiff.node.spi.InstanceFront;
import dev.skiff.node.spi.InstanceSpec;
import dev.skiff.node.stats.RequestTracker;
import dev.skiff.proxy.SkiffHeaders;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The plain loopback front over real sockets. */
class LoopbackFrontTest {
  final Vertx vertx = Vertx.vertx();
  final RequestTracker tracker = new RequestTracker();
  final InstanceSpec spec =
      new InstanceSpec(
          "default.hello-00001.1", Fixtures.revision("hello", 1), (s, l) -> {}, tracker);
  final Queue<HttpServerRequest> held = new ConcurrentLinkedQueue<>();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void close() {
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  /** Answers {@code in process} at once, or holds requests to {@code /hold} until released. */
  Instance inProcess() {
    return new Instance() {
      @Override
      public String id() {
        return spec.id();
      }

      @Override
      public String host() {
        return null;
      }

      @Override
      public int port() {
        return -1;
      }

      @Override
      public Handler<HttpServerRequest> handler() {
        return req -> {
          if (req.path().equals("/hold")) {
            held.add(req);
          } else {
            req.response().end("in process");
          }
        };
      }

      @Override
      public Future<Void> stop(Duration drain) {
        return Future.succeededFuture();
      }
    };
  }

  InstanceFront open(Instance i) {
    return new LoopbackFront(vertx, "127.0.0.1")
        .open(spec, i)
        .toCompletionStage()
        .toCompletableFuture()
        .join();
  }

  HttpResponse<String> get(InstanceFront f, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + f.port() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesAnInProcessInstanceOnALoopbackListenerAndCountsEachRequestOnce() throws Exception {
    InstanceFront front = open(inProcess());

    assertEquals("127.0.0.1", front.host());
    assertNull(front.identity(), "plaintext");
    for (int i = 0; i < 3; i++) {
      assertEquals("in process", get(front, "/").body());
    }

    await("every request left", () -> tracker.inFlight() == 0);
    assertEquals(3, tracker.drain().requests());
  }

  @Test
  void countsRequestsTheActivatorForwardedAsProxied() throws Exception {
    InstanceFront front = open(inProcess());

    http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + front.port() + "/"))
            .header(SkiffHeaders.PROXIED_BY, SkiffHeaders.PROXIED_BY_ACTIVATOR)
            .build(),
        HttpResponse.BodyHandlers.ofString());
    get(front, "/");

    await("every request left", () -> tracker.inFlight() == 0);
    RequestTracker.Window w = tracker.drain();
    assertEquals(2, w.requests());
    assertEquals(1, w.proxiedRequests(), "the activator reports that one itself");
  }

  @Test
  void aClientThatLeavesBeforeItsAnswerLeavesTheCountOnce() throws Exception {
    InstanceFront front = open(inProcess());
    try (Socket s = new Socket("127.0.0.1", front.port())) {
      OutputStream out = s.getOutputStream();
      out.write("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      await("the request held", () -> held.size() == 1);
      assertEquals(1, tracker.inFlight());
    }
    await("the request left", () -> tracker.inFlight() == 0);
    held.poll().response().end("too late"); // answering a gone client counts nothing more
    assertEquals(0, tracker.inFlight());
    assertEquals(1, tracker.drain().requests());
  }

  @Test
  void stopLetsARequestInFlightFinishAndRefusesNewConnections() throws Exception {
    InstanceFront front = open(inProcess());
    var answer =
        http.sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + front.port() + "/hold"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    await("the request held", () -> held.size() == 1);

    Future<Void> stopped = front.stop(Duration.ofSeconds(30));
    await("no longer accepting", () -> !accepts(front.port()));
    held.poll().response().end("finished while draining");

    assertEquals("finished while draining", answer.get().body());
    stopped.toCompletionStage().toCompletableFuture().join();
    assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", front.port()).close());
  }

  @Test
  void anInstanceWithAnAddressOfItsOwnIsPublishedAtThatAddress() {
    Instance container = new FakeBackend().start(spec).result();

    InstanceFront front = open(container);

    assertEquals(container.host(), front.host());
    assertEquals(container.port(), front.port());
    assertNull(front.identity());
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return s.isConnected();
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
