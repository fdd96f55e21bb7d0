package dev.skiff.gateway;

import static dev.skiff.gateway.Services.put;
import static dev.skiff.gateway.Services.service;
import static dev.skiff.gateway.Services.to;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.proxy.testing.RawHttp;
import dev.skiff.proxy.testing.RawHttp.Reply;
import java.io.IOException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Lenient on what workloads answer, strict on what clients send: an upstream whose header lines end
 * in a bare LF (busybox httpd's CGI) is proxied, while a client request with bare LFs is refused.
 */
class GatewayLenientUpstreamTest extends GatewayTestBase {
  private RawUpstream upstream;

  @AfterEach
  void stopUpstream() throws IOException {
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  void anUpstreamResponseWithBareLfHeaderLinesIsProxied() throws IOException {
    upstream =
        RawUpstream.answering(
            "HTTP/1.1 200 OK\nContent-Type: text/plain\nX-Busybox: yes\nContent-Length: 5\n\nhello");
    endpoints.publish(NS, "busybox-00001", new Endpoint("127.0.0.1", upstream.port()));
    gateway.onResourceEvent(put(service(NS, "busybox", to("busybox-00001", 100))));

    Response r = get(host("busybox"), "/cgi-bin/hello");

    assertEquals(200, r.status(), r.body().toString());
    assertEquals("hello", r.body().toString());
    assertEquals("yes", r.header("x-busybox"));
  }

  @Test
  void aClientRequestWithBareLfLinesIsRefused() {
    Reply r =
        RawHttp.exchange(
            gateway.actualPort(), "GET / HTTP/1.1\nHost: busybox.default.localhost\n\n");

    assertEquals(400, r.status(), r.text());
  }
}
