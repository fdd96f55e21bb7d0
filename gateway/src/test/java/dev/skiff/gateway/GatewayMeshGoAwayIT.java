package dev.skiff.gateway;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.meshproxy.testing.TestCa;
import dev.skiff.proxy.testing.GoingAwayUpstream;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gateway's calls to a sidecar over HTTP/2: its own mTLS connections are HTTP/1.1, one per
 * endpoint here, and a request beyond them goes through the client's pool, which ALPN makes HTTP/2.
 * A first request whose body the client has not finished keeps the own connection busy, so the next
 * ones take the pool's HTTP/2 connection: forced, not timed. The sidecar ({@link
 * GoingAwayUpstream}, over mTLS) holds the first stream there until the second is open, then sends
 * GOAWAY naming the first as its last: the second was not processed.
 */
class GatewayMeshGoAwayIT extends GatewayMeshTestBase {
  private GoingAwayUpstream sidecar;

  @BeforeAll
  static void gatewayIdentity() {
    startIdentity(UnaryOperator.identity());
  }

  @Override
  Gateway.Builder configure(Gateway.Builder builder) {
    return builder
        .withUpstreamTls(identity.upstreamTls())
        .withServerInstances(1)
        .withMaxConnectionsPerEndpoint(1);
  }

  @AfterEach
  void stopSidecar() {
    if (sidecar != null) {
      sidecar.close();
    }
  }

  private void start(GoingAwayUpstream up) {
    sidecar = up.onlyHttp2GoesAway();
    endpoints.publish(
        NS,
        "cart-00001",
        new dev.skiff.gateway.spi.Endpoint("127.0.0.1", sidecar.listen(), CART.uri()));
    gateway.onResourceEvent(
        Services.put(Services.service(NS, "cart", Services.to("cart-00001", 100))));
  }

  private GoingAwayUpstream overMtls() throws Exception {
    Path id = ca.writeIdentity(dir, CART);
    return new GoingAwayUpstream(
        vertx,
        TestCa.serverOptions(new HttpServerOptions().setUseAlpn(true), id),
        2,
        GoingAwayUpstream.Below.ANSWER);
  }

  /** A POST whose body is not finished: it holds the gateway's own connection to the sidecar. */
  private HttpClientRequest holdingTheOwnConnection() {
    HttpClientRequest hold = await(http1.request(at(host("cart"), HttpMethod.POST, "/hold")));
    hold.setChunked(true);
    hold.write("the first half");
    eventually("the gateway's own connection carries /hold", () -> sidecar.connections() == 1);
    return hold;
  }

  @Test
  void aPostThatTheSidecarDidNotProcessOverThePoolsHttp2IsSentAgainWithItsBody() throws Exception {
    start(overMtls());
    Buffer body = Buffer.buffer("two apples, ".repeat(1_000));

    HttpClientRequest hold = holdingTheOwnConnection();
    Future<Response> first = get(http1, host("cart"), "/first");
    eventually("the sidecar holds /first on HTTP/2", () -> sidecar.holding() == 1);
    Response charge = await(exchange(http1, at(host("cart"), HttpMethod.POST, "/charge"), body));

    assertEquals("200 ok /charge", charge.status() + " " + charge.body());
    assertEquals(1, sidecar.unprocessed("/charge"), "the GOAWAY left /charge unprocessed");
    assertEquals(List.of(body), sidecar.bodies("/charge"), "the whole body, processed once");
    assertEquals(200, await(first).status());
    hold.end(" and the second");
    Response held = await(hold.response().compose(GatewayMeshGoAwayIT::read));
    assertEquals("200 ok /hold", held.status() + " " + held.body());
    assertEquals(3, sidecar.connections(), "the own one, and two HTTP/2 ones of the pool");
  }

  @Test
  void aPostWithMoreBodyThanTheGatewayKeepsIs502SayingTheSidecarDidNotProcessIt() throws Exception {
    // The GOAWAY waits until the sidecar has 70,000 bytes of the upload: more than is kept.
    start(overMtls().goingAwayAfterBodyBytes(70_000));
    Buffer body = Buffer.buffer("x".repeat(100_000));

    HttpClientRequest hold = holdingTheOwnConnection();
    Future<Response> first = get(http1, host("cart"), "/first");
    eventually("the sidecar holds /first on HTTP/2", () -> sidecar.holding() == 1);
    Response upload = await(exchange(http1, at(host("cart"), HttpMethod.POST, "/upload"), body));

    assertEquals(502, upload.status());
    String text = upload.body().toString();
    assertTrue(text.contains("it did not process the request"), text);
    assertTrue(text.contains("only when it kept all of it"), text);
    assertTrue(text.contains("sending it again is safe"), text);
    assertEquals(1, sidecar.unprocessed("/upload"));
    assertEquals(0, sidecar.answered("/upload"), "nothing processed");
    assertEquals(200, await(first).status());
    hold.end();
    assertEquals(200, await(hold.response()).statusCode());
  }
}
