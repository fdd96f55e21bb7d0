package dev.skiff.gateway;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What passes through the proxy: paths, bodies over both protocols, and headers both ways. */
class GatewayProxyTest extends GatewayTestBase {
  private static final int MIB = 1 << 20;
  private Backend backend;

  @BeforeEach
  void deployHello() {
    backend = deployEcho("hello");
  }

  @Test
  void getReachesTheBackendWithPathAndQueryIntact() {
    String uri = "/a/b%20c/./d?x=1&y=%2F&z=%E2%82%AC&empty=";

    Response r = get(host("hello"), uri);

    assertEquals(200, r.status());
    assertEquals("hello-00001", r.body().toString());
    assertEquals(uri, backend.last().uri());
    assertEquals("GET", backend.last().method());
  }

  @Test
  void postOfOneMebibyteIsEchoedIntactOverHttp11WithContentLength() {
    Buffer body = randomBody(MIB);

    Response r = await(exchange(http1, at(host("hello"), HttpMethod.POST, "/echo"), body));

    assertEquals(200, r.status());
    assertEquals(sha256(body), sha256(r.body()));
    assertEquals(Integer.toString(MIB), backend.last().headers().get("content-length"));
  }

  @Test
  void chunkedPostOfOneMebibyteIsStreamedIntactOverHttp11() {
    Buffer body = randomBody(MIB);

    Response r = await(streamed(http1, at(host("hello"), HttpMethod.POST, "/echo"), body, 16_384));

    assertEquals(200, r.status());
    assertEquals(sha256(body), sha256(r.body()));
    assertEquals("chunked", backend.last().headers().get("transfer-encoding"));
  }

  @Test
  void postOfOneMebibyteIsEchoedIntactOverH2cPriorKnowledge() {
    HttpClient h2 = h2PriorKnowledge();
    Buffer body = randomBody(MIB);

    Response r = await(exchange(h2, at(host("hello"), HttpMethod.POST, "/echo"), body));

    assertEquals(HttpVersion.HTTP_2, r.version());
    assertEquals(200, r.status());
    assertEquals(sha256(body), sha256(r.body()));
  }

  @Test
  void streamedPostWithoutLengthIsEchoedIntactOverH2c() {
    HttpClient h2 = h2PriorKnowledge();
    Buffer body = randomBody(MIB);

    Response r = await(streamed(h2, at(host("hello"), HttpMethod.POST, "/echo"), body, 16_384));

    assertEquals(HttpVersion.HTTP_2, r.version());
    assertEquals(sha256(body), sha256(r.body()));
  }

  @Test
  void aCompletedH2cRequestIsCountedWithItsStatusNotAsClientGone() {
    for (int i = 0; i < 3; i++) {
      assertEquals(200, await(get(h2PriorKnowledge(), host("hello"), "/counted")).status());
    }

    eventually(
        java.time.Duration.ofSeconds(30),
        "three 200s counted for hello-00001",
        () -> {
          var c =
              registry
                  .find("skiff.gateway.requests")
                  .tags("revision", "hello-00001", "code", "200")
                  .counter();
          return c != null && c.count() == 3;
        });
    assertNull(
        registry.find("skiff.gateway.requests").tags("code", "499").counter(),
        "no completed request is recorded as 499 (client closed)");
  }

  @Test
  void getOverH2cSendsNoBodyUpstream() {
    Response r = await(get(h2PriorKnowledge(), host("hello"), "/h2?q=1"));

    assertEquals(HttpVersion.HTTP_2, r.version());
    assertEquals(200, r.status());
    assertEquals("hello-00001", r.body().toString());
    assertEquals("/h2?q=1", backend.last().uri());
    assertNull(backend.last().headers().get("transfer-encoding"));
    assertEquals(host("hello") + ":" + gateway.actualPort(), backend.last().headers().get("host"));
  }

  @Test
  void h2cUpgradeFromHttp11IsServedOverHttp2() {
    HttpClient upgrading =
        client(
            new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(true));

    Response first = await(get(upgrading, host("hello"), "/first"));
    Response second = await(get(upgrading, host("hello"), "/second"));

    assertEquals(200, first.status());
    assertEquals(HttpVersion.HTTP_2, second.version());
    assertEquals("hello-00001", second.body().toString());
  }

  @Test
  void responseStartsStreamingBeforeTheRequestBodyEnds() {
    Promise<Buffer> echoedFirstChunk = Promise.promise();
    Buffer rest = Buffer.buffer();
    AtomicInteger received = new AtomicInteger();
    RequestOptions options = at(host("hello"), HttpMethod.POST, "/duplex");

    Buffer all =
        await(
            http1
                .request(options)
                .compose(
                    req -> {
                      req.setChunked(true);
                      req.write("first-chunk;");
                      req.response()
                          .onSuccess(
                              res ->
                                  res.handler(
                                      b -> {
                                        rest.appendBuffer(b);
                                        if (received.addAndGet(b.length()) >= 12) {
                                          echoedFirstChunk.tryComplete(rest.copy());
                                        }
                                      }));
                      // Only once the first chunk came back through the gateway does the rest go.
                      return echoedFirstChunk
                          .future()
                          .compose(first -> req.end("second-chunk"))
                          .compose(v -> req.response())
                          .compose(res -> res.end())
                          .map(v -> rest);
                    }));

    assertEquals("first-chunk;second-chunk", all.toString());
  }

  @Test
  void headGetsTheBackendsLengthAndNoBody() {
    Response r = await(exchange(http1, at(host("hello"), HttpMethod.HEAD, "/"), null));

    assertEquals(200, r.status());
    assertEquals(Integer.toString("hello-00001".length()), r.header("content-length"));
    assertEquals(0, r.body().length());
    // The connection stays usable for the next request.
    assertEquals("hello-00001", get(host("hello"), "/").body().toString());
  }

  @Test
  void forwardingHeadersAndRequestIdAndTraceReachTheBackend() {
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    RequestOptions options =
        at(host("hello"), HttpMethod.GET, "/headers")
            .putHeader("x-request-id", "req-123")
            .putHeader("traceparent", "00-" + trace + "-00f067aa0ba902b7-01")
            .putHeader("tracestate", "vendor=kept")
            .putHeader("x-forwarded-for", "10.0.0.1")
            .putHeader("forwarded", "for=10.0.0.1")
            .putHeader("connection", "keep-alive, x-hop")
            .putHeader("x-hop", "for-the-first-hop-only")
            .putHeader("keep-alive", "timeout=5")
            .putHeader("x-custom-request", "end-to-end");

    Response r = await(exchange(http1, options, null));

    var seen = backend.last().headers();
    String authority = host("hello") + ":" + gateway.actualPort();
    assertEquals("req-123", seen.get("x-request-id"));
    assertTrue(
        seen.get("traceparent").matches("00-" + trace + "-[0-9a-f]{16}-01"),
        seen.get("traceparent"));
    assertNotEquals("00-" + trace + "-00f067aa0ba902b7-01", seen.get("traceparent"));
    assertEquals("vendor=kept", seen.get("tracestate"));
    // The client is not a trusted proxy: its own forwarding headers are replaced.
    assertEquals("127.0.0.1", seen.get("x-forwarded-for"));
    assertEquals("http", seen.get("x-forwarded-proto"));
    assertEquals(authority, seen.get("x-forwarded-host"));
    assertEquals("for=127.0.0.1;host=\"" + authority + "\";proto=http", seen.get("forwarded"));
    assertEquals(authority, seen.get("host"));
    assertEquals("end-to-end", seen.get("x-custom-request"));
    assertFalse(seen.contains("x-hop"));
    assertFalse(seen.contains("keep-alive"));

    assertEquals("hello-00001", r.header("x-skiff-revision"));
    assertEquals("req-123", r.header("x-request-id"));
    assertEquals("from-backend", r.header("x-custom"));
    assertNull(r.header("keep-alive"));
    assertNull(r.header("x-private"));
  }

  @Test
  void requestWithoutIdOrTraceGetsFreshOnes() {
    RequestOptions options =
        at(host("hello"), HttpMethod.GET, "/")
            .putHeader("traceparent", "not-a-trace")
            .putHeader("tracestate", "vendor=orphan");

    Response r = await(exchange(http1, options, null));

    var seen = backend.last().headers();
    String id = seen.get("x-request-id");
    assertTrue(
        id.matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"), id);
    assertEquals(id, r.header("x-request-id"));
    assertTrue(seen.get("traceparent").matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"));
    assertFalse(seen.contains("tracestate"));
  }

  static Buffer randomBody(int size) {
    byte[] bytes = new byte[size];
    new Random(42).nextBytes(bytes);
    return Buffer.buffer(bytes);
  }

  static String sha256(Buffer b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.getBytes()));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }
}
