package dev.skiff.gateway;

import static dev.skiff.proxy.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.skiff.proxy.testing.RawHttp;
import dev.skiff.proxy.testing.RawHttp.Reply;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Connections that never send a byte count against the caps from the moment they are accepted: a
 * flood of silent sockets cannot hold more than the caps allow until the header timeout (a minute
 * here) cuts them, and other addresses still get through, over HTTP/1.1 keep-alive and h2c alike.
 */
class GatewaySilentConnectionsTest extends GatewayTestBase {
  private static final String HOST = "hello.default.localhost";
  private static final String GET = "GET / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n";
  private static final int PER_CLIENT = 20;
  private static final int TOTAL = 50;

  private final List<RawHttp> silent = new ArrayList<>();

  @Override
  Gateway.Builder configure(Gateway.Builder builder) {
    return builder.withMaxConnections(TOTAL).withMaxConnectionsPerClient(PER_CLIENT);
  }

  @BeforeEach
  void deployHello() {
    deployEcho("hello");
    closeClients(); // the base's pooled client would count against the caps
  }

  @AfterEach
  void closeSilent() {
    silent.forEach(RawHttp::close);
  }

  @Test
  void silentConnectionsPastTheCapPerAddressAreClosedWhileAnotherAddressIsServed() {
    List<RawHttp> flood = openSilent("127.0.0.1", 2 * PER_CLIENT);

    int closed = awaitClosedByServer(flood, PER_CLIENT);
    assertEquals(PER_CLIENT, closed, "only the connections past the cap are closed");

    Reply served = pollUntilServed("127.0.0.2");
    assertEquals(200, served.status(), served.text());
  }

  @Test
  void h2cAndKeepAliveAreServedWhileSilentConnectionsFillAnotherAddressesCap() {
    // Vert.x's HTTP client connects from 127.0.0.1, whatever local address it is given.
    List<RawHttp> flood = openSilent("127.0.0.3", 2 * PER_CLIENT);
    assertEquals(PER_CLIENT, awaitClosedByServer(flood, PER_CLIENT));

    try (RawHttp keepAlive = RawHttp.connect(gateway.actualPort(), "127.0.0.2")) {
      for (int i = 0; i < 3; i++) {
        Reply r = keepAlive.send(GET).readUntil("hello-00001", 10_000);
        assertEquals(200, r.status(), r.text());
        assertFalse(r.closed(), "request " + i + " on one keep-alive connection");
      }
    }
    HttpClient priorKnowledge =
        client(
            new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false));
    Response h2 = await(get(priorKnowledge, HOST, "/prior"));
    assertEquals(HttpVersion.HTTP_2, h2.version());
    assertEquals("hello-00001", h2.body().toString());

    HttpClient upgrading =
        client(
            new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(true));
    await(get(upgrading, HOST, "/first"));
    Response upgraded = await(get(upgrading, HOST, "/second"));
    assertEquals(HttpVersion.HTTP_2, upgraded.version());
    assertEquals("hello-00001", upgraded.body().toString());
  }

  @Test
  void silentConnectionsPastTheTotalCapAreClosed() {
    List<RawHttp> flood = new ArrayList<>();
    flood.addAll(openSilent("127.0.0.1", PER_CLIENT));
    flood.addAll(openSilent("127.0.0.2", PER_CLIENT));
    flood.addAll(openSilent("127.0.0.3", PER_CLIENT));

    int closed = awaitClosedByServer(flood, 3 * PER_CLIENT - TOTAL);
    assertEquals(3 * PER_CLIENT - TOTAL, closed, "only the connections past the total are closed");
  }

  private List<RawHttp> openSilent(String from, int count) {
    List<RawHttp> opened = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      opened.add(RawHttp.connect(gateway.actualPort(), from));
    }
    silent.addAll(opened);
    return opened;
  }

  /**
   * Polls the sockets until {@code expected} of them were closed by the server (or 10 s pass), then
   * gives the server a little longer to close more than it should, and returns how many it closed.
   */
  private static int awaitClosedByServer(List<RawHttp> sockets, int expected) {
    boolean[] closed = new boolean[sockets.size()];
    int count = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (count < expected && System.nanoTime() < deadline) {
      count = 0;
      for (int i = 0; i < sockets.size(); i++) {
        if (!closed[i]) {
          closed[i] = sockets.get(i).read(10).closed();
        }
        count += closed[i] ? 1 : 0;
      }
    }
    for (int i = 0; i < sockets.size(); i++) {
      if (!closed[i] && sockets.get(i).read(10).closed()) {
        count++;
      }
    }
    return count;
  }

  private Reply pollUntilServed(String from) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    Reply last = null;
    while (System.nanoTime() < deadline) {
      try (RawHttp c = RawHttp.connect(gateway.actualPort(), from)) {
        last = c.send(GET).readUntil("hello-00001", 2_000);
        if (last.status() == 200) {
          return last;
        }
      }
    }
    return last;
  }
}
