package dev.skiff.proxy;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.proxy.testing.GoingAwayUpstream;
import dev.skiff.proxy.testing.GoingAwayUpstream.Below;
import dev.skiff.proxy.testing.ProxyTestBase;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An HTTP/2 upstream (an h2c workload behind the sidecar, a gRPC server at its connection-age
 * limit, a server being stopped) that shuts its connection down gracefully: GOAWAY names the last
 * stream it may have processed, and a stream above it, already opened by the proxy, was not
 * processed (RFC 9113 6.8), nor was a stream reset with REFUSED_STREAM (8.7). Such a request is
 * sent again, once, on another connection whatever its method when the proxy still has its whole
 * body: none, or one of which the proxy kept every byte it read ({@link
 * EndpointProxy#KEPT_BODY_BYTES} at most; the rest, still arriving, follows on the second attempt);
 * one of which it read more fails with an error that says the server did not process it. A stream
 * at or below the id that breaks off may have been processed: not sent again. The upstream ({@link
 * GoingAwayUpstream}) holds the first stream until the second is open, so which stream lies above
 * the id is forced, not timed.
 */
class GoAwayRetryTest extends ProxyTestBase {
  private GoingAwayUpstream upstream;
  private HttpClient h2;
  private ProxyServer proxy;
  private HttpClient client;

  GoAwayRetryTest() {
    super(4);
  }

  private void start(GoingAwayUpstream up) {
    upstream = up;
    int port = upstream.listen();
    // As the sidecar's client of an h2c workload: HTTP/2 with prior knowledge, one connection.
    h2 =
        vertx
            .httpClientBuilder()
            .with(
                new HttpClientOptions()
                    .setProtocolVersion(HttpVersion.HTTP_2)
                    .setHttp2ClearTextUpgrade(false)
                    .setKeepAlive(true))
            .with(new PoolOptions().setHttp2MaxSize(1))
            .build();
    proxy =
        OneUpstreamProxy.build(
            vertx,
            1,
            "goaway test proxy",
            loopClient -> new EndpointProxy(h2, Duration.ofSeconds(5), Set.of()),
            () -> port,
            (failure, cause) ->
                new IllegalStateException(failure.phrase() + " upstream: " + cause.getMessage()));
    await(proxy.start("127.0.0.1", 0));
    client = client(new HttpClientOptions());
  }

  @AfterEach
  void stop() {
    closeClients();
    if (proxy != null) {
      await(proxy.close());
    }
    if (h2 != null) {
      await(h2.close());
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  void aGetAboveTheGoAwaysLastStreamIsSentAgainOnANewConnection() {
    start(new GoingAwayUpstream(vertx, 2, Below.ANSWER));

    Future<Response> first = get("/first");
    eventually("the upstream holds the first request", () -> upstream.holding() == 1);
    Response second = await(get("/second"));

    assertEquals("200 ok /second", second.status() + " " + second.body());
    assertEquals(200, await(first).status());
    assertEquals(1, upstream.unprocessed("/second"), "the GOAWAY left /second unprocessed");
    assertEquals(1, upstream.answered("/second"), "processed once, on the new connection");
    assertEquals(1, upstream.answered("/first"));
    assertEquals(2, upstream.connections());
  }

  @Test
  void aGetFromAnHttp2ClientAboveTheLastStreamIsSentAgain() {
    start(new GoingAwayUpstream(vertx, 2, Below.ANSWER));
    HttpClient h2c = h2PriorKnowledge(); // its GETs carry no Content-Length: the stream ends

    Future<Response> first = exchange(h2c, at(HttpMethod.GET, "/first"), null);
    eventually("the upstream holds the first request", () -> upstream.holding() == 1);
    Response second = await(exchange(h2c, at(HttpMethod.GET, "/second"), null));

    assertEquals("200 ok /second", second.status() + " " + second.body());
    assertEquals(HttpVersion.HTTP_2, second.version());
    assertEquals(200, await(first).status());
    assertEquals(1, upstream.unprocessed("/second"));
    assertEquals(1, upstream.answered("/second"));
  }

  @Test
  void aPostWithoutBodyAboveTheLastStreamIsSentAgainThoughNotIdempotent() {
    start(new GoingAwayUpstream(vertx, 2, Below.ANSWER));

    Future<Response> first = get("/first");
    eventually("the upstream holds the first request", () -> upstream.holding() == 1);
    Response charge =
        await(
            exchange(
                client, at(HttpMethod.POST, "/charge").putHeader("content-length", "0"), null));

    assertEquals("200 ok /charge", charge.status() + " " + charge.body());
    assertEquals(200, await(first).status());
    assertEquals(1, upstream.unprocessed("/charge"));
    assertEquals(1, upstream.answered("/charge"), "processed exactly once");
  }

  @Test
  void aPostWithASmallStreamedBodyIsSentAgainFromTheKeptBytes() {
    start(new GoingAwayUpstream(vertx, 2, Below.ANSWER));
    Buffer body = pattern(20_000);

    Future<Response> first = get("/first");
    eventually("the upstream holds the first request", () -> upstream.holding() == 1);
    Response upload = await(streamed(client, at(HttpMethod.POST, "/upload"), body, 4_096));

    assertEquals("200 ok /upload", upload.status() + " " + upload.body());
    assertEquals(200, await(first).status());
    assertEquals(1, upstream.unprocessed("/upload"), "the GOAWAY left /upload unprocessed");
    assertEquals(List.of(body), upstream.bodies("/upload"), "the whole body, processed once");
    assertEquals(2, upstream.connections());
  }

  @Test
  void aPostWithAContentLengthIsSentAgainWithTheSameBody() {
    start(new GoingAwayUpstream(vertx, 2, Below.ANSWER));
    Buffer body = pattern(30_000);

    Future<Response> first = get("/first");
    eventually("the upstream holds the first request", () -> upstream.holding() == 1);
    Response upload = await(exchange(client, at(HttpMethod.PUT, "/upload"), body));

    assertEquals("200 ok /upload", upload.status() + " " + upload.body());
    assertEquals(200, await(first).status());
    assertEquals(1, upstream.unprocessed("/upload"));
    assertEquals(List.of(body), upstream.bodies("/upload"));
  }

  @Test
  void theRestOfABodyStillArrivingFollowsTheKeptBytesOnTheSecondAttempt() {
    start(new GoingAwayUpstream(vertx, 2, Below.ANSWER));
    Buffer head = pattern(10_000);
    Buffer rest = pattern(12_000).slice(2_000, 12_000);

    Future<Response> first = get("/first");
    eventually("the upstream holds the first request", () -> upstream.holding() == 1);
    HttpClientRequest upload = await(client.request(at(HttpMethod.POST, "/upload")));
    upload.setChunked(true);
    upload.write(head);
    // The GOAWAY is out before the client sends the rest of its body.
    eventually("the upstream left /upload unprocessed", () -> upstream.unprocessed("/upload") == 1);
    upload.end(rest);
    Response answer = await(upload.response().compose(ProxyTestBase::read));

    assertEquals("200 ok /upload", answer.status() + " " + answer.body());
    assertEquals(200, await(first).status());
    assertEquals(List.of(head.copy().appendBuffer(rest)), upstream.bodies("/upload"));
  }

  @Test
  void aClientThatResetsItsUploadAfterTheGoAwayHasNothingProcessed() {
    start(new GoingAwayUpstream(vertx, 2, Below.ANSWER));
    HttpClient h2c = h2PriorKnowledge();

    Future<Response> first = get("/first");
    eventually("the upstream holds the first request", () -> upstream.holding() == 1);
    HttpClientRequest upload = await(h2c.request(at(HttpMethod.POST, "/upload")));
    upload.write(pattern(10_000));
    eventually("the upstream left /upload unprocessed", () -> upstream.unprocessed("/upload") == 1);
    // The kept part may be on its way again by now: the reset ends that attempt too.
    await(upload.reset());
    Response after = await(get("/after"));

    assertEquals("200 ok /after", after.status() + " " + after.body());
    assertEquals(200, await(first).status());
    assertEquals(0, upstream.answered("/upload"), "nothing of the reset upload processed");
  }

  @Test
  void aGrpcCallFromAnHttp2ClientIsSentAgainAndItsTrailersRelayed() {
    start(new GoingAwayUpstream(vertx, 2, Below.ANSWER));
    HttpClient h2c = h2PriorKnowledge();
    // A gRPC message: compressed flag, 4-byte length, the message; no Content-Length.
    Buffer message = Buffer.buffer().appendByte((byte) 0).appendInt(500).appendBuffer(pattern(500));

    Future<Response> first = exchange(h2c, at(HttpMethod.POST, "/first"), Buffer.buffer("one"));
    eventually("the upstream holds the first request", () -> upstream.holding() == 1);
    String[] status = new String[1];
    Response call =
        await(
            h2c.request(
                    at(HttpMethod.POST, "/shop.Cart/Charge")
                        .putHeader("content-type", "application/grpc")
                        .putHeader("te", "trailers"))
                .compose(
                    req -> {
                      req.write(message.slice(0, 200));
                      req.end(message.slice(200, message.length()));
                      return req.response()
                          .compose(
                              res ->
                                  ProxyTestBase.read(res)
                                      .onSuccess(r -> status[0] = res.getTrailer("grpc-status")));
                    }));

    assertEquals("200 ok /shop.Cart/Charge", call.status() + " " + call.body());
    assertEquals("application/grpc", call.header("content-type"));
    assertEquals("0", status[0], "the gRPC status, in the trailers");
    assertEquals(200, await(first).status());
    assertEquals(1, upstream.unprocessed("/shop.Cart/Charge"));
    assertEquals(List.of(message), upstream.bodies("/shop.Cart/Charge"));
  }

  @Test
  void aPostWithMoreBodyReadThanTheProxyKeepsIsNotSentAgain() {
    // The GOAWAY waits until the upstream has 70,000 bytes of the upload: the proxy had read more
    // than it keeps when it learns that the stream was not processed.
    start(new GoingAwayUpstream(vertx, 2, Below.ANSWER).goingAwayAfterBodyBytes(70_000));
    Buffer body = pattern(100_000);

    Future<Response> first = get("/first");
    eventually("the upstream holds the first request", () -> upstream.holding() == 1);
    Response upload = await(streamed(client, at(HttpMethod.POST, "/upload"), body, 4_096));

    assertEquals(502, upload.status());
    String text = upload.body().toString();
    assertTrue(text.contains("did not process"), text);
    assertTrue(text.contains("not sent again"), text);
    assertTrue(text.contains(EndpointProxy.KEPT_BODY_BYTES + " bytes"), text);
    assertEquals(200, await(first).status());
    assertEquals(1, upstream.unprocessed("/upload"));
    assertEquals(0, upstream.answered("/upload"), "nothing processed");
    assertEquals(1, upstream.connections(), "not sent again");
  }

  @Test
  void aStreamAtOrBelowTheLastStreamThatBreaksOffIsNotSentAgain() {
    start(new GoingAwayUpstream(vertx, 2, Below.ALL));

    Future<Response> first = get("/first");
    eventually("the upstream holds the first request", () -> upstream.holding() == 1);
    Response second = await(get("/second"));

    assertEquals(
        502, second.status(), "closed unanswered at or below the last stream: maybe processed");
    assertEquals(200, await(first).status());
    assertEquals(0, upstream.unprocessed("/second"));
    assertEquals(1, upstream.connections(), "not sent again");
  }

  @Test
  void aConnectionClosedAfterGoAwayRetriesOnlyTheStreamAboveTheLastOne() {
    start(new GoingAwayUpstream(vertx, 2, Below.CLOSE));

    Future<Response> first = get("/first");
    eventually("the upstream holds the first request", () -> upstream.holding() == 1);
    Response second = await(get("/second"));

    assertEquals("200 ok /second", second.status() + " " + second.body());
    assertEquals(502, await(first).status(), "at the last stream, closed unanswered");
    assertEquals(0, upstream.answered("/first"));
    assertEquals(1, upstream.answered("/second"));
    assertEquals(2, upstream.connections());
  }

  @Test
  void aRefusedStreamIsSentAgain() {
    start(GoingAwayUpstream.refusing(vertx, 1));

    Response r = await(get("/refused-once"));

    assertEquals("200 ok /refused-once", r.status() + " " + r.body());
    assertEquals(1, upstream.unprocessed("/refused-once"));
    assertEquals(1, upstream.answered("/refused-once"));
  }

  @Test
  void anUnprocessedRequestIsSentAgainAtMostOnce() {
    start(GoingAwayUpstream.refusing(vertx, 3));

    Response r = await(get("/refused"));

    assertEquals(502, r.status());
    String body = r.body().toString();
    assertTrue(body.contains("did not process"), body);
    assertEquals(2, upstream.unprocessed("/refused"), "the first attempt and one more");
    assertEquals(0, upstream.answered("/refused"));
  }

  /** {@code n} bytes that differ from one position to the next: a reordering or a repeat shows. */
  private static Buffer pattern(int n) {
    Buffer b = Buffer.buffer(n);
    for (int i = 0; i < n; i++) {
      b.appendByte((byte) ('a' + (i * 7 + i / 26) % 26));
    }
    return b;
  }

  private Future<Response> get(String uri) {
    return exchange(client, at(HttpMethod.GET, uri), null);
  }

  private RequestOptions at(HttpMethod method, String uri) {
    return new RequestOptions()
        .setServer(SocketAddress.inetSocketAddress(proxy.actualPort(), "127.0.0.1"))
        .setHost("svc.example")
        .setPort(proxy.actualPort())
        .setMethod(method)
        .setURI(uri);
  }
}
