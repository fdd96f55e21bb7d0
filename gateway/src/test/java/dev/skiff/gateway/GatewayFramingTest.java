package dev.skiff.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.proxy.testing.RawHttp;
import dev.skiff.proxy.testing.RawHttp.Reply;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Request framing at the gateway (RFC 9112 sections 6.1 and 6.3), over raw sockets: anything a
 * front proxy and the gateway could read differently is refused with 400 and the connection is
 * closed, so a request hidden in a body is never served. Run over plain HTTP here and over the
 * HTTPS listener by {@link GatewayFramingTlsTest}.
 */
class GatewayFramingTest extends GatewayTestBase {
  private static final String HOST = "hello.default.localhost";
  private static final String SMUGGLED = "GET /smuggled HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n";

  private Backend backend;

  @BeforeEach
  void deployHello() {
    backend = deployEcho("hello");
  }

  /** A raw connection to the listener under test; {@link GatewayFramingTlsTest} speaks TLS. */
  RawHttp connect() {
    return RawHttp.connect(gateway.actualPort());
  }

  private Reply exchange(String request) {
    try (RawHttp c = connect()) {
      return c.send(request).reply(3000);
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Transfer-Encoding: gzip",
        "Transfer-Encoding: identity",
        "Transfer-Encoding: xchunked",
        "Transfer-Encoding: chunked, gzip",
        "Transfer-Encoding: gzip, chunked",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked",
        "Transfer-Encoding: chunked\r\nContent-Length: " + 5,
        "Content-Length: 5\r\nContent-Length: 6",
        "Transfer-Encoding:  chunked\u000b",
      })
  void refusesAmbiguousFramingAndClosesTheConnection(String framing) {
    String body = "0\r\n\r\n" + SMUGGLED;

    Reply r =
        exchange("POST /upload HTTP/1.1\r\nHost: " + HOST + "\r\n" + framing + "\r\n\r\n" + body);

    assertEquals(400, r.status(), r.text());
    assertEquals(1, r.responses(), r.text());
    assertTrue(r.closed(), "the connection must close after a framing error");
    assertTrue(backend.seen.stream().noneMatch(s -> s.uri().equals("/smuggled")));
  }

  @Test
  void refusesTransferEncodingInAnHttp10Request() {
    // RFC 9112 section 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing; an
    // HTTP/1.0 front proxy would read the body by Content-Length or to the end of the connection.
    Reply r =
        exchange(
            "POST /upload HTTP/1.0\r\nHost: "
                + HOST
                + "\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                + SMUGGLED);

    assertEquals(400, r.status(), r.text());
    assertEquals(1, r.responses(), r.text());
    assertTrue(r.closed(), "the connection must close after a framing error");
    assertTrue(backend.seen.isEmpty(), "nothing reached the backend");
  }

  @Test
  void refusesTwoHostHeaders() {
    Reply r =
        exchange("GET / HTTP/1.1\r\nHost: " + HOST + "\r\nHost: other.default.localhost\r\n\r\n");

    assertEquals(400, r.status(), r.text());
    assertTrue(backend.seen.isEmpty());
  }

  @Test
  void chunkSizeOverflowIs400WithoutAnInternalAddress() {
    Reply r =
        exchange(
            "POST / HTTP/1.1\r\nHost: "
                + HOST
                + "\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n");

    assertEquals(400, r.status(), r.text());
    assertFalse(r.text().contains("127.0.0.1"), r.text());
    assertTrue(r.closed());
    assertTrue(backend.seen.isEmpty());
  }

  @Test
  void aPlainChunkedRequestStillPassesAndKeepsTheConnection() {
    try (RawHttp c = connect()) {
      Reply r =
          c.send(
                  "POST /echo HTTP/1.1\r\nHost: "
                      + HOST
                      + "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
              .readUntil("0\r\n\r\n", 10_000);

      assertEquals(200, r.status(), r.text());
      assertTrue(r.text().contains("hello"), r.text());
      assertFalse(r.closed());
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/a%0d%0aSet-Cookie:%20stolen=1",
        "/a%0D%0ALocation:%20http://evil",
        "/nul%00byte",
        "/lf%0a",
        "/cr%0D",
        "/a%25%0d",
      })
  void refusesPathsThatDecodeToCrLfOrNulBeforeRouting(String path) {
    Reply r = exchange("GET " + path + " HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");

    assertEquals(400, r.status(), r.text());
    assertTrue(backend.seen.isEmpty());
  }

  @ParameterizedTest
  @ValueSource(strings = {"/a%0", "/a%2", "/100%25", "/a%0b", "/%1d"})
  void passesPathsWithOtherEscapes(String path) {
    Reply r = exchange("GET " + path + " HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n");

    assertEquals(200, r.status(), r.text());
  }
}
