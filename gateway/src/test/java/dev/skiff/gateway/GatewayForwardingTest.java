package dev.skiff.gateway;

import static dev.skiff.gateway.Services.put;
import static dev.skiff.gateway.Services.service;
import static dev.skiff.gateway.Services.to;
import static dev.skiff.proxy.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.proxy.SkiffHeaders;
import dev.skiff.proxy.TrustedProxies;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Who the client is, as the instance hears it: the TCP peer, unless the peer is a configured
 * trusted proxy, whose forwarding headers then name the client. A client's own forwarding headers
 * and its copy of the client-address header never pass as the gateway's.
 */
class GatewayForwardingTest extends GatewayTestBase {
  private Backend backend;

  @BeforeEach
  void deployHello() {
    backend = echoBackend("hello-00001");
    endpoints.publish(NS, "hello-00001", backend.endpoint());
  }

  @Test
  void anUntrustedClientsForwardingHeadersAreReplacedByThePeerAddress() {
    gateway.onResourceEvent(put(service(NS, "hello", to("hello-00001", 100))));

    MultiMap seen = spoofedRequest(gateway);

    String authority = host("hello") + ":" + gateway.actualPort();
    assertEquals("127.0.0.1", seen.get("x-forwarded-for"));
    assertEquals("http", seen.get("x-forwarded-proto"));
    assertEquals(authority, seen.get("x-forwarded-host"));
    assertEquals("for=127.0.0.1;host=\"" + authority + "\";proto=http", seen.get("forwarded"));
    assertEquals("127.0.0.1", seen.get(SkiffHeaders.CLIENT_ADDRESS));
  }

  @Test
  void aTrustedProxysChainIsExtendedAndNamesTheClient() {
    Gateway trusting =
        Gateway.builder()
            .withVertx(vertx)
            .withEndpoints(endpoints)
            .withServerInstances(1)
            .withTrustedProxies(TrustedProxies.parse("127.0.0.0/8"))
            .build();
    await(trusting.start("127.0.0.1", 0));
    try {
      trusting.onResourceEvent(put(service(NS, "hello", to("hello-00001", 100))));

      MultiMap seen = spoofedRequest(trusting);

      assertEquals("6.6.6.6, 127.0.0.1", seen.get("x-forwarded-for"));
      assertEquals("https", seen.get("x-forwarded-proto"));
      assertEquals("6.6.6.6", seen.get(SkiffHeaders.CLIENT_ADDRESS));
      assertEquals(
          "for=6.6.6.6, for=127.0.0.1;host=\"hello.default.localhost:"
              + trusting.actualPort()
              + "\";proto=https",
          seen.get("forwarded"));
    } finally {
      await(trusting.close());
    }
  }

  private MultiMap spoofedRequest(Gateway g) {
    RequestOptions o =
        new RequestOptions()
            .setServer(SocketAddress.inetSocketAddress(g.actualPort(), "127.0.0.1"))
            .setHost(host("hello"))
            .setPort(g.actualPort())
            .setMethod(HttpMethod.GET)
            .setURI("/")
            .putHeader("x-forwarded-for", "6.6.6.6")
            .putHeader("forwarded", "for=6.6.6.6")
            .putHeader("x-forwarded-proto", "https")
            .putHeader(SkiffHeaders.CLIENT_ADDRESS, "6.6.6.6");
    Response r = await(exchange(http1, o, null));
    assertEquals(200, r.status(), r.body().toString());
    return backend.last().headers();
  }
}
