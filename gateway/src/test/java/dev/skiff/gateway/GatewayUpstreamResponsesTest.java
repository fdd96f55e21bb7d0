package dev.skiff.gateway;

import static dev.skiff.gateway.Services.put;
import static dev.skiff.gateway.Services.service;
import static dev.skiff.gateway.Services.to;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.proxy.testing.RawHttp;
import dev.skiff.proxy.testing.RawHttp.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the gateway makes of what a workload answers on its plaintext upstream connection: a
 * response Netty cannot parse, one whose head is over the limit, or one that switches protocols
 * unasked is a 502 with the gateway's JSON error; informational answers ahead of the final one are
 * skipped; a body cut short never reaches the client as a whole response; an answer that asks to
 * close its connection gets a new connection for the next request.
 */
class GatewayUpstreamResponsesTest extends GatewayTestBase {
  private ServerSocket upstream;
  private Thread serving;
  private final java.util.concurrent.atomic.AtomicInteger accepted =
      new java.util.concurrent.atomic.AtomicInteger();

  @AfterEach
  void stopUpstream() throws IOException, InterruptedException {
    if (upstream != null) {
      upstream.close();
      serving.join(5000);
    }
  }

  @Test
  void aResponseWithAMalformedStatusLineIsA502() throws IOException {
    serve("HTTP/1.1 two hundred OK\r\nContent-Length: 5\r\n\r\nhello");

    Response r = get(host("raw"), "/");

    assertEquals(502, r.status(), r.body().toString());
    assertTrue(r.body().toString().contains("\"error\""), r.body().toString());
  }

  @Test
  void aResponseHeadOverTheLimitIsA502() throws IOException {
    serve("HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(9000) + "\r\nContent-Length: 5\r\n\r\nhello");

    Response r = get(host("raw"), "/");

    assertEquals(502, r.status(), r.body().toString());
  }

  @Test
  void anUnaskedSwitchOfProtocolsIsA502() throws IOException {
    serve(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: evil\r\nConnection: upgrade\r\n\r\nraw bytes");

    Response r = get(host("raw"), "/");

    assertEquals(502, r.status(), r.body().toString());
  }

  @Test
  void earlyHintsAheadOfTheAnswerAreSkipped() throws IOException {
    serve(
        "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Final: yes\r\n\r\nhello");

    Response r = get(host("raw"), "/");

    assertEquals(200, r.status(), r.body().toString());
    assertEquals("hello", r.body().toString());
    assertEquals("yes", r.header("x-final"));
  }

  @Test
  void aBodyCutShortIsNeverPassedOffAsWhole() throws IOException {
    serve("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello");

    try (RawHttp c = RawHttp.connect(gateway.actualPort())) {
      Reply r = c.send("GET / HTTP/1.1\r\nHost: " + host("raw") + "\r\n\r\n").reply(3000);

      assertTrue(r.closed(), r.text()); // the client cannot take 5 bytes for the promised 100
      assertFalse(r.text().contains("HTTP/1.1 502"), r.text()); // the head went out already
    }
  }

  @Test
  void aBodyDelimitedByTheConnectionsCloseIsRelayedWhole() throws IOException {
    serve("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello, until close");

    Response r = get(host("raw"), "/");

    assertEquals(200, r.status(), r.body().toString());
    assertEquals("hello, until close", r.body().toString());
  }

  @Test
  void anAnswerThatClosesItsConnectionIsFollowedByANewConnection() throws IOException {
    serve("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello");

    assertEquals("hello", get(host("raw"), "/").body().toString());
    assertEquals("hello", get(host("raw"), "/").body().toString());

    assertEquals(2, accepted.get());
  }

  /** A raw upstream that answers each connection's first request with {@code response}, closes. */
  private void serve(String response) throws IOException {
    upstream = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    serving =
        new Thread(
            () -> {
              while (!upstream.isClosed()) {
                try (Socket s = upstream.accept()) {
                  accepted.incrementAndGet();
                  readHead(s.getInputStream());
                  OutputStream out = s.getOutputStream();
                  out.write(response.getBytes(StandardCharsets.ISO_8859_1));
                  out.flush();
                } catch (IOException e) {
                  return; // closed by the test
                }
              }
            },
            "raw-upstream");
    serving.start();
    endpoints.publish(NS, "raw-00001", new Endpoint("127.0.0.1", upstream.getLocalPort()));
    gateway.onResourceEvent(put(service(NS, "raw", to("raw-00001", 100))));
  }

  private static void readHead(InputStream in) throws IOException {
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    int b;
    while (matched < 4 && (b = in.read()) >= 0) {
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
    }
  }
}
