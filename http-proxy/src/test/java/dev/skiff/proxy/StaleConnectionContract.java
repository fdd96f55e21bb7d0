package dev.skiff.proxy;

import static dev.skiff.proxy.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.proxy.testing.ClosingUpstream;
import dev.skiff.proxy.testing.ProxyTestBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A kept-alive upstream connection that the server closed while it sat idle, reused by the proxy as
 * the close crossed its next request on the wire: the server closes the connection when that
 * request's head arrives, without a byte of an answer ({@link ClosingUpstream}), so the race is
 * forced rather than timed. A request that can be sent again (no body; an idempotent method or an
 * Idempotency-Key) is, once, on a new connection; any other fails with an error that says the
 * server closed the connection. Run against each of {@link EndpointProxy}'s ways to an endpoint by
 * the subclasses.
 */
abstract class StaleConnectionContract extends ProxyTestBase {
  private ClosingUpstream upstream;
  private ProxyServer proxy;
  private HttpClient client;

  StaleConnectionContract() {
    super(1);
  }

  /** The proxy under test, around the event loop's upstream client. */
  abstract EndpointProxy endpointProxy(HttpClient upstreamClient);

  /** Starts a proxy in front of an upstream that follows {@code script}. */
  private void start(boolean reset, ClosingUpstream.Script script) {
    upstream = new ClosingUpstream(vertx, reset, script);
    int port = upstream.listen();
    // One event loop: every request goes through one client, one pool of connections.
    proxy =
        OneUpstreamProxy.build(
            vertx,
            1,
            "stale connection test proxy",
            this::endpointProxy,
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
    if (upstream != null) {
      upstream.close();
    }
  }

  /** Each connection's first request answered, the next closed on: an idle timeout's race. */
  private static boolean firstOnEach(int connection, int request) {
    return request == 1;
  }

  @Test
  void aGetOnAConnectionClosedAsItWentOutIsSentAgainOnANewConnection() {
    start(false, StaleConnectionContract::firstOnEach);

    assertEquals("200 ok 1.1", get("/first"));
    assertEquals("200 ok 2.1", get("/second"));

    assertEquals(1, upstream.closedOn(), "the kept connection was closed as the GET arrived");
    assertEquals(2, upstream.connections(), "the GET went again on a new connection");
    assertEquals(2, upstream.answered(), "one answered request per client request");
  }

  @Test
  void aGetOnAConnectionResetAsItWentOutIsSentAgainOnANewConnection() {
    start(true, StaleConnectionContract::firstOnEach);

    assertEquals("200 ok 1.1", get("/first"));
    assertEquals("200 ok 2.1", get("/second"));

    assertEquals(2, upstream.connections());
    assertEquals(2, upstream.answered());
  }

  @Test
  void aGetFromAnHttp2ClientIsSentAgainOnANewConnection() {
    start(false, StaleConnectionContract::firstOnEach);
    HttpClient h2c = h2PriorKnowledge(); // no Content-Length: only its ended stream says no body

    Response first = await(exchange(h2c, at(HttpMethod.GET, "/first"), null));
    Response second = await(exchange(h2c, at(HttpMethod.GET, "/second"), null));

    assertEquals("200 ok 1.1", first.status() + " " + first.body());
    assertEquals("200 ok 2.1", second.status() + " " + second.body());
    assertEquals(2, upstream.connections());
    assertEquals(2, upstream.answered());
  }

  @Test
  void aPostWithoutBodyButWithAnIdempotencyKeyIsSentAgain() {
    start(false, StaleConnectionContract::firstOnEach);
    assertEquals("200 ok 1.1", get("/first"));

    Response r =
        await(
            exchange(
                client,
                at(HttpMethod.POST, "/charge")
                    .putHeader("content-length", "0")
                    .putHeader("idempotency-key", "8e03978e"),
                null));

    assertEquals("200 ok 2.1", r.status() + " " + r.body());
    assertEquals(2, upstream.answered());
  }

  @Test
  void aPostWithoutBodyOrIdempotencyKeyIsNotSentAgain() {
    start(false, StaleConnectionContract::firstOnEach);
    assertEquals("200 ok 1.1", get("/first"));

    Response r =
        await(
            exchange(
                client, at(HttpMethod.POST, "/charge").putHeader("content-length", "0"), null));

    assertEquals(502, r.status());
    assertClosedKeptAlive(r);
    assertEquals(1, upstream.connections(), "not sent again");
  }

  @Test
  void aPostWithAStreamedBodyIsNotSentAgain() {
    start(false, StaleConnectionContract::firstOnEach);
    assertEquals("200 ok 1.1", get("/first"));

    Response r =
        await(
            streamed(
                client, at(HttpMethod.POST, "/upload"), Buffer.buffer("x".repeat(20_000)), 4_096));

    assertEquals(502, r.status());
    assertClosedKeptAlive(r);
    assertEquals(1, upstream.connections(), "not sent again");
    assertEquals(1, upstream.answered());
  }

  @Test
  void aFreshConnectionClosedUnansweredIsNotRetried() {
    start(false, (connection, request) -> false);

    Response r = await(exchange(client, at(HttpMethod.GET, "/"), null));

    assertEquals(502, r.status());
    assertEquals(1, upstream.connections(), "a new connection the server hung up on: no retry");
    assertEquals(1, upstream.closedOn());
  }

  @Test
  void aGetIsSentAgainAtMostOnce() {
    start(false, (connection, request) -> connection == 1 && request == 1);
    assertEquals("200 ok 1.1", get("/first"));

    Response r = await(exchange(client, at(HttpMethod.GET, "/second"), null));

    assertEquals(502, r.status());
    assertEquals(2, upstream.connections(), "the kept one, then one new one: no more");
    assertEquals(2, upstream.closedOn());
    assertEquals(1, upstream.answered());
  }

  private void assertClosedKeptAlive(Response r) {
    String body = r.body().toString();
    assertTrue(body.contains("closed the kept-alive connection"), body);
    assertTrue(body.contains("not sent again"), body);
  }

  private String get(String uri) {
    Response r = await(exchange(client, at(HttpMethod.GET, uri), null));
    return r.status() + " " + r.body();
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
