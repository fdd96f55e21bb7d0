package dev.skiff.gateway;

import static dev.skiff.gateway.Services.put;
import static dev.skiff.gateway.Services.service;
import static dev.skiff.gateway.Services.to;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.proxy.testing.RawHttp;
import dev.skiff.proxy.testing.RawHttp.Reply;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a client cannot hold at the gateway, over raw sockets: a connection that sends nothing, a
 * request head or body trickled in too slowly, a keep-alive connection left idle.
 */
class GatewayTimeoutsTest extends GatewayTestBase {
  private static final String HOST = "hello.default.localhost";
  private static final String GET = "GET / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n";

  /**
   * The header, idle and body timeouts: short, so the tests are quick, but not so short that a
   * loaded machine's stall of the gateway's event loop (or of this client) between accepting a
   * connection and reading the request trips them.
   */
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  @Override
  Gateway.Builder configure(Gateway.Builder builder) {
    return builder.withHeaderTimeout(TIMEOUT).withIdleTimeout(TIMEOUT).withBodyReadTimeout(TIMEOUT);
  }

  @BeforeEach
  void deployHello() {
    // Answers only once it has the whole body, so a stalled body is the client's alone.
    Backend backend =
        Backend.start(
            vertx, "hello-00001", req -> req.body().onSuccess(b -> req.response().end(b)));
    backends.add(backend);
    endpoints.publish(NS, "hello-00001", backend.endpoint());
    gateway.onResourceEvent(put(service(NS, "hello", to("hello-00001", 100))));
    closeClients(); // the base's pooled client would count against the caps
  }

  @Test
  void aConnectionThatSendsNothingIsClosedAfterTheHeaderTimeout() {
    try (RawHttp c = RawHttp.connect(gateway.actualPort())) {
      Reply r = c.read(10_000);

      assertTrue(r.closed(), "a silent connection must be closed");
      assertEquals("", r.text());
    }
  }

  @Test
  void aRequestHeadTrickledInIsCutOff() {
    try (RawHttp c = RawHttp.connect(gateway.actualPort())) {
      boolean closed = false;
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      String head = "GET / HTTP/1.1\r\nHost: " + HOST + "\r\nX-Slow: ";
      for (int i = 0; !closed && System.nanoTime() < deadline; i++) {
        try {
          c.send(i < head.length() ? head.substring(i, i + 1) : "a");
        } catch (RuntimeException e) {
          closed = true; // the write failed: the gateway closed the connection
          break;
        }
        Reply r = c.read(50);
        closed = r.closed();
      }

      assertTrue(closed, "a head sent a byte at a time must be cut off");
    }
  }

  @Test
  void anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() {
    try (RawHttp c = RawHttp.connect(gateway.actualPort())) {
      Reply first = c.send(GET).read(10_000);

      assertEquals(200, first.status(), first.text());
      assertTrue(first.closed(), "the connection must close once idle");
    }
  }

  @Test
  void aKeepAliveConnectionBusyForLongerThanTheIdleTimeoutStaysOpenUntilIdle() {
    // Requests back to back for several idle timeouts: the idle timer, set once and not
    // per request, must never close a connection that has not been idle for the whole limit. A
    // round in which this client itself paused near the limit before a request (a loaded machine
    // may stall a thread that long) proves nothing either way, and runs again.
    for (int round = 1; ; round++) {
      try (RawHttp c = RawHttp.connect(gateway.actualPort())) {
        if (busyWithoutPausing(c)) {
          assertTrue(c.read(10_000).closed(), "the connection must close once idle");
          return;
        }
      }
      assertTrue(round < 20, "the test client paused near the idle timeout in each of 20 rounds");
    }
  }

  /**
   * Requests back to back for four idle timeouts; false as soon as the client paused too long to
   * judge.
   */
  private static boolean busyWithoutPausing(RawHttp c) {
    long pauseLimit = TIMEOUT.toNanos() * 3 / 4;
    long busyUntil = System.nanoTime() + TIMEOUT.toNanos() * 4;
    long lastSent = 0;
    int served = 0;
    while (System.nanoTime() < busyUntil) {
      long now = System.nanoTime();
      if (served > 0 && now - lastSent > pauseLimit) {
        return false;
      }
      lastSent = now;
      Reply r = c.send(GET).readUntil("\r\n\r\n", 10_000);

      assertEquals(200, r.status(), "request " + served + ": " + r.text());
      assertFalse(r.closed(), "closed while busy, after " + served + " requests");
      served++;
    }
    return true;
  }

  @Test
  void aStalledBodyGets408AndTheConnectionCloses() {
    try (RawHttp c = RawHttp.connect(gateway.actualPort())) {
      Reply r =
          c.send("POST /echo HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 10\r\n\r\nabc")
              .read(10_000);

      assertEquals(408, r.status(), r.text());
      assertTrue(r.closed());
    }
  }
}
