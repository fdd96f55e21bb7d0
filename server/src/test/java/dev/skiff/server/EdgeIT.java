package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.proxy.SkiffHeaders;
import dev.skiff.proxy.testing.RawHttp;
import dev.skiff.proxy.testing.RawHttp.Reply;
import dev.skiff.wasm.Wat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * skiffd's HTTP edge over raw sockets: the API keeps its own connection budget while the gateway is
 * full, refuses ambiguous framing like the gateway, and a function hears the TCP peer as {@code
 * REMOTE_ADDR}, never an address a client claims.
 */
class EdgeIT {
  private static final int GATEWAY_CAP = 4;
  private static final int API_CAP_PER_CLIENT = 16;

  @TempDir static Path dir;
  static RunningSkiffd skiffd;

  @BeforeAll
  static void start() throws Exception {
    skiffd =
        RunningSkiffd.start(
            dir.resolve("data"),
            30,
            o -> {
              o.maxConnections = GATEWAY_CAP;
              o.maxConnectionsPerClient = GATEWAY_CAP;
              o.apiMaxConnectionsPerClient = API_CAP_PER_CLIENT;
            });
    Path module = Files.write(dir.resolve("env.wasm"), Wat.envDump());
    new Cli(skiffd).ok("deploy", "env", "--wasm", module.toString());
  }

  @AfterAll
  static void stop() {
    skiffd.close();
  }

  @Test
  void theApiAnswersWhileTheGatewayIsAtItsConnectionCap() {
    List<RawHttp> held = new ArrayList<>();
    try {
      for (int i = 0; i < GATEWAY_CAP; i++) {
        RawHttp c = RawHttp.connect(skiffd.gatewayPort());
        held.add(c);
        Reply r =
            c.send("GET / HTTP/1.1\r\nHost: nothing.default.localhost\r\n\r\n")
                .readUntil("}", 10_000);
        assertEquals(404, r.status(), r.text());
      }
      try (RawHttp over = RawHttp.connect(skiffd.gatewayPort())) {
        Reply refused =
            over.send("GET / HTTP/1.1\r\nHost: nothing.default.localhost\r\n\r\n").read(5_000);
        assertEquals(-1, refused.status(), "the gateway is at its cap: " + refused.text());
      }

      try (RawHttp api = RawHttp.connect(apiPort())) {
        Reply health =
            api.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").readUntil("}", 10_000);
        assertEquals(200, health.status(), health.text());
      }
    } finally {
      held.forEach(RawHttp::close);
    }
  }

  @Test
  void theApiAnswersWhileTheGatewayIsFloodedBySilentConnections() {
    List<RawHttp> flood = new ArrayList<>();
    try {
      for (int i = 0; i < 3 * GATEWAY_CAP; i++) {
        flood.add(RawHttp.connect(skiffd.gatewayPort(), "127.0.0.2"));
      }
      // At least: connections another test held may still count for a moment.
      int closed = closedByServer(flood, 2 * GATEWAY_CAP);
      assertTrue(
          closed >= 2 * GATEWAY_CAP,
          closed + " closed: silent connections past the gateway's cap are closed at once");

      try (RawHttp api = RawHttp.connect(apiPort())) {
        Reply health =
            api.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").readUntil("}", 10_000);
        assertEquals(200, health.status(), health.text());
      }
    } finally {
      flood.forEach(RawHttp::close);
    }
  }

  @Test
  void silentConnectionsPastTheApisCapPerAddressAreClosedWhileOthersAreServed() {
    List<RawHttp> flood = new ArrayList<>();
    try {
      for (int i = 0; i < 2 * API_CAP_PER_CLIENT; i++) {
        flood.add(RawHttp.connect(apiPort(), "127.0.0.3"));
      }
      assertEquals(
          API_CAP_PER_CLIENT,
          closedByServer(flood, API_CAP_PER_CLIENT),
          "silent connections past the API's cap per address are closed");

      try (RawHttp api = RawHttp.connect(apiPort())) {
        Reply health =
            api.send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").readUntil("}", 10_000);
        assertEquals(200, health.status(), health.text());
      }
    } finally {
      flood.forEach(RawHttp::close);
    }
  }

  /**
   * Polls silent sockets until {@code expected} of them were closed by the server (or 10 s pass;
   * the header timeout is a minute), then looks once more, and returns how many it closed.
   */
  private static int closedByServer(List<RawHttp> sockets, int expected) {
    boolean[] closed = new boolean[sockets.size()];
    int count = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (count < expected && System.nanoTime() < deadline) {
      count = 0;
      for (int i = 0; i < sockets.size(); i++) {
        closed[i] = closed[i] || sockets.get(i).read(10).closed();
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

  @Test
  void theApiRefusesAmbiguousFramingAndClosesTheConnection() {
    Reply r =
        RawHttp.exchange(
            apiPort(),
            "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip\r\n\r\n"
                + "0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

    assertEquals(400, r.status(), r.text());
    assertEquals(1, r.responses(), r.text());
    assertTrue(r.closed());
  }

  @Test
  void remoteAddrIsThePeerNotAnAddressTheClientClaims() {
    String request =
        "GET / HTTP/1.1\r\nHost: env.default.localhost\r\n"
            + "X-Forwarded-For: 6.6.6.6\r\nForwarded: for=6.6.6.6\r\n"
            + SkiffHeaders.CLIENT_ADDRESS
            + ": 6.6.6.6\r\nConnection: close\r\n\r\n";
    Reply r = null;
    // Connections another test held may still count against the gateway's small cap for a moment.
    for (int attempt = 0; attempt < 50 && (r == null || r.status() == -1); attempt++) {
      try (RawHttp c = RawHttp.connect(skiffd.gatewayPort())) {
        r = c.send(request).read(30_000);
      }
    }

    assertEquals(200, r.status(), r.text());
    assertTrue(r.text().contains("REMOTE_ADDR=127.0.0.1\0"), r.text());
    assertFalse(r.text().contains("6.6.6.6"), r.text());
  }

  private static int apiPort() {
    String api = skiffd.api();
    return Integer.parseInt(api.substring(api.lastIndexOf(':') + 1));
  }
}
