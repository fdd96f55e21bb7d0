package dev.skiff.activator;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** What instances and clients see of a forwarded exchange: headers, bodies, protocols. */
class ProxyTest extends ActivatorTestBase {

  @Test
  void forwardsEndToEndHeadersAsTheGatewaySentThemAndDropsHopByHopAndRoutingHeaders() {
    Backend b = backend("hdr-00001");
    endpoints.publish(NS, "hdr-00001", 0, b.endpoint());
    RequestOptions o = to("hdr-00001", HttpMethod.GET, "/path?q=1");
    o.putHeader("x-forwarded-for", "203.0.113.7")
        .putHeader("x-forwarded-proto", "https")
        .putHeader("x-forwarded-host", "svc.default.localhost")
        .putHeader("forwarded", "for=203.0.113.7;proto=https")
        .putHeader("x-request-id", "rid-1")
        .putHeader("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        .putHeader("connection", "x-hop")
        .putHeader("x-hop", "secret")
        .putHeader("proxy-authorization", "Basic Zm9v")
        .putHeader(Activator.REQUEST_TIMEOUT_HEADER, "10000");

    Response r = await(exchange(http, o, null));

    assertEquals(200, r.status());
    var seen = b.seen.peek().headers();
    assertEquals("/path?q=1", b.seen.peek().uri());
    assertEquals("svc.default.localhost:" + activator.actualPort(), seen.get("host"), "as sent");
    assertEquals("203.0.113.7", seen.get("x-forwarded-for"));
    assertEquals("https", seen.get("x-forwarded-proto"));
    assertEquals("svc.default.localhost", seen.get("x-forwarded-host"));
    assertEquals("for=203.0.113.7;proto=https", seen.get("forwarded"));
    assertEquals("rid-1", seen.get("x-request-id"));
    assertEquals(
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", seen.get("traceparent"));
    assertEquals(Activator.PROXIED_BY_VALUE, seen.get(Activator.PROXIED_BY_HEADER));
    assertNull(seen.get("x-hop"));
    assertNull(seen.get("proxy-authorization"));
    assertNull(seen.get(Activator.REVISION_NAMESPACE_HEADER));
    assertNull(seen.get(Activator.REVISION_NAME_HEADER));
    assertNull(seen.get(Activator.REQUEST_TIMEOUT_HEADER));
    // And on the way back:
    assertEquals("hdr-00001", r.header("x-backend"));
    assertNull(r.header("x-private"), "named by the instance's Connection header");
    assertNull(r.header("keep-alive"));
  }

  @Test
  void streamsALargeChunkedUploadThroughWithoutAContentLength() {
    Backend echo = backend("big-00001");
    endpoints.publish(NS, "big-00001", 0, echo.endpoint());
    byte[] bytes = new byte[8 * 1024 * 1024];
    new Random(7).nextBytes(bytes);
    Buffer body = Buffer.buffer(bytes);

    Response r =
        await(
            http.request(to("big-00001", HttpMethod.POST, "/big"))
                .compose(
                    (HttpClientRequest req) -> {
                      req.setChunked(true);
                      for (int i = 0; i < body.length(); i += 64 * 1024) {
                        req.write(body.slice(i, Math.min(body.length(), i + 64 * 1024)));
                      }
                      req.end();
                      return req.response().compose(ActivatorTestBase::read);
                    }));

    assertEquals(200, r.status());
    assertEquals(body, r.body());
    assertFalse(echo.seen.peek().headers().contains("content-length"));
  }

  @Test
  void servesHttp2WithPriorKnowledge() {
    Backend b = backend("h2-00001");
    endpoints.publish(NS, "h2-00001", 0, b.endpoint());
    var h2 = h2PriorKnowledge();

    Future<Response> f =
        h2.request(to("h2-00001", HttpMethod.GET, "/"))
            .compose(
                req ->
                    req.send()
                        .compose(
                            res -> {
                              assertEquals(HttpVersion.HTTP_2, res.version());
                              return read(res);
                            }));
    Response r = await(f);

    assertEquals(200, r.status());
    assertEquals("h2-00001", r.body().toString());
    // Registered on the activator's meters thread, off the request's path.
    eventually(
        "the queue-wait timer asked for a percentile histogram",
        () ->
            histogramMeters.stream()
                .anyMatch(id -> id.getName().equals("skiff.activator.queue.wait")));
  }
}
