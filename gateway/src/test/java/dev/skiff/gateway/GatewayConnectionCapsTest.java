package dev.skiff.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.proxy.testing.RawHttp;
import dev.skiff.proxy.testing.RawHttp.Reply;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Connection caps at the gateway, over raw sockets from several loopback addresses: one address
 * cannot take every connection, and no number of addresses can take more than the total.
 */
class GatewayConnectionCapsTest extends GatewayTestBase {
  private static final String HOST = "hello.default.localhost";
  private static final String GET = "GET / HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n";

  private final List<RawHttp> held = new ArrayList<>();

  @Override
  Gateway.Builder configure(Gateway.Builder builder) {
    return builder.withMaxConnections(3).withMaxConnectionsPerClient(2);
  }

  @BeforeEach
  void deployHello() {
    deployEcho("hello");
    closeClients(); // the base's pooled client would count against the caps
  }

  @AfterEach
  void closeHeld() {
    held.forEach(RawHttp::close);
  }

  @Test
  void connectionsPastTheCapPerAddressAreRefusedWhileAnotherAddressGetsThrough() {
    hold("127.0.0.1");
    hold("127.0.0.1");

    try (RawHttp third = RawHttp.connect(gateway.actualPort(), "127.0.0.1")) {
      Reply refused = third.send(GET).read(5_000);
      assertEquals(-1, refused.status(), refused.text());
      assertTrue(refused.closed());
    }
    // The refused connection counts against the total until its close is processed.
    Reply served = pollUntilServed("127.0.0.2");
    assertEquals(200, served.status(), served.text());
  }

  @Test
  void connectionsPastTheTotalCapAreRefused() {
    hold("127.0.0.1");
    hold("127.0.0.2");
    hold("127.0.0.3");

    try (RawHttp fourth = RawHttp.connect(gateway.actualPort(), "127.0.0.4")) {
      Reply refused = fourth.send(GET).read(5_000);
      assertEquals(-1, refused.status(), refused.text());
      assertTrue(refused.closed());
    }
    held.remove(0).close();
    Reply served = pollUntilServed("127.0.0.4");
    assertEquals(200, served.status(), "a freed slot must be usable again");
  }

  /** A connection that has been served once, so the gateway surely counts it, and stays open. */
  private void hold(String from) {
    RawHttp c = RawHttp.connect(gateway.actualPort(), from);
    held.add(c);
    Reply r = c.send(GET).readUntil("hello-00001", 10_000);
    assertEquals(200, r.status(), r.text());
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
