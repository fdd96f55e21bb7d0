package dev.skiff.gateway;

import static dev.skiff.gateway.Services.put;
import static dev.skiff.gateway.Services.service;
import static dev.skiff.gateway.Services.to;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * Lenient on what workloads answer, strict on what clients send: an upstream whose header lines end
 * in a bare LF (busybox httpd's CGI) is proxied, while a client request with bare LFs is refused.
 */
class GatewayLenientUpstreamTest extends GatewayTestBase {
  private ServerSocket upstream;
  private Thread serving;

  @AfterEach
  void stopUpstream() throws IOException, InterruptedException {
    if (upstream != null) {
      upstream.close();
      serving.join(5000);
    }
  }

  @Test
  void anUpstreamResponseWithBareLfHeaderLinesIsProxied() throws IOException {
    startUpstream(
        "HTTP/1.1 200 OK\nContent-Type: text/plain\nX-Busybox: yes\nContent-Length: 5\n\nhello");
    endpoints.publish(NS, "busybox-00001", new Endpoint("127.0.0.1", upstream.getLocalPort()));
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

  /** A raw upstream that answers every connection's first request with {@code response}. */
  private void startUpstream(String response) throws IOException {
    upstream = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    serving =
        new Thread(
            () -> {
              while (!upstream.isClosed()) {
                try (Socket s = upstream.accept()) {
                  readHead(s.getInputStream());
                  OutputStream out = s.getOutputStream();
                  out.write(response.getBytes(StandardCharsets.ISO_8859_1));
                  out.flush();
                } catch (IOException e) {
                  return; // closed by the test
                }
              }
            },
            "bare-lf-upstream");
    serving.start();
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
