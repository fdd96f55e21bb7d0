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
  private RawUpstream upstream;

  @AfterEach
  void stopUpstream() throws IOException {
    if (upstream != null) {
      upstream.close();
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

    assertEquals(2, upstream.accepted());
  }

  /** Routes service {@code raw} to a raw upstream answering each request with {@code response}. */
  private void serve(String response) throws IOException {
    upstream = RawUpstream.answering(response);
    endpoints.publish(NS, "raw-00001", new Endpoint("127.0.0.1", upstream.port()));
    gateway.onResourceEvent(put(service(NS, "raw", to("raw-00001", 100))));
  }
}
