package dev.skiff.gateway;

import static dev.skiff.proxy.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.meshproxy.testing.TestCa;
import dev.skiff.proxy.testing.ClosingUpstream;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.NetServerOptions;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An instance that closes a kept-alive connection as the gateway's next request goes out on it (its
 * idle timeout, shorter than the gateway's), the close forced by the request's arrival ({@link
 * ClosingUpstream}): a plaintext instance, over the gateway's Netty channels, and a sidecar over
 * mTLS, over its own TLS connections. A GET goes again on a new connection to the same (only)
 * instance and is answered, without a retry elsewhere; a streamed POST is not sent again, and its
 * 502 says why.
 */
class GatewayStaleConnectionIT extends GatewayMeshTestBase {
  private ClosingUpstream instance;

  @BeforeAll
  static void gatewayIdentity() {
    startIdentity(UnaryOperator.identity());
  }

  @Override
  Gateway.Builder configure(Gateway.Builder builder) {
    // One event loop: its own connections to the instance serve every request.
    return builder.withUpstreamTls(identity.upstreamTls()).withServerInstances(1);
  }

  @AfterEach
  void stopInstance() {
    if (instance != null) {
      instance.close();
    }
  }

  /** Each connection's first request answered, the next closed on as it arrives. */
  private static boolean firstOnEach(int connection, int request) {
    return request == 1;
  }

  private void deploy(NetServerOptions options, String identity) {
    instance = new ClosingUpstream(vertx, options, GatewayStaleConnectionIT::firstOnEach);
    int port = instance.listen();
    endpoints.publish(NS, "cart-00001", new Endpoint("127.0.0.1", port, identity));
    gateway.onResourceEvent(
        Services.put(Services.service(NS, "cart", Services.to("cart-00001", 100))));
  }

  @Test
  void aGetOnAConnectionAPlaintextInstanceClosedIsAnsweredOverANewOne() {
    deploy(new NetServerOptions(), null);

    assertEquals(200, get(host("cart"), "/first").status());
    Response second = get(host("cart"), "/second");

    assertEquals(200, second.status(), second.body().toString());
    assertEquals("ok 2.1", second.body().toString());
    assertEquals(2, instance.answered(), "one answered request per client request");
    assertEquals(1, instance.closedOn());
    assertNull(registry.find("skiff.gateway.retries").counter(), "no retry elsewhere");
  }

  @Test
  void aGetOnAnMtlsConnectionASidecarClosedIsAnsweredOverANewOne() throws Exception {
    Path id = ca.writeIdentity(dir, CART);
    deploy(TestCa.serverOptions(new NetServerOptions(), id), CART.uri());

    assertEquals(200, get(host("cart"), "/first").status());
    Response second = get(host("cart"), "/second");

    assertEquals(200, second.status(), second.body().toString());
    assertEquals("ok 2.1", second.body().toString());
    assertEquals(2, instance.answered());
    assertEquals(1, instance.closedOn());
    assertNull(registry.find("skiff.gateway.retries").counter(), "no retry elsewhere");
  }

  @Test
  void aStreamedPostOnAConnectionTheInstanceClosedFailsSayingSo() {
    deploy(new NetServerOptions(), null);
    assertEquals(200, get(host("cart"), "/first").status());

    Response r =
        await(
            streamed(
                http1,
                at(host("cart"), HttpMethod.POST, "/upload"),
                Buffer.buffer("x".repeat(20_000)),
                4_096));

    assertEquals(502, r.status());
    String body = r.body().toString();
    assertTrue(body.contains("closed a kept-alive connection"), body);
    assertTrue(body.contains("not sent again"), body);
    assertEquals(1, instance.connections(), "not sent again");
  }
}
