package dev.skiff.proxy;

import static dev.skiff.proxy.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.skiff.proxy.testing.ProxyTestBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The shared exchange with an endpoint, behind a real server, against a real upstream. */
class EndpointProxyTest extends ProxyTestBase {
  private final List<UpstreamFailure> failures = new CopyOnWriteArrayList<>();
  private HttpServer upstream;
  private ProxyServer proxy;
  private volatile int upstreamPort;

  EndpointProxyTest() {
    super(10);
  }

  @BeforeEach
  void start() {
    upstream =
        vertx
            .createHttpServer()
            .requestHandler(
                req ->
                    req.response()
                        .putHeader("connection", "x-private")
                        .putHeader("x-private", "hop-only")
                        .putHeader("x-owned", "from upstream")
                        .putHeader("x-seen-uri", req.uri())
                        .putHeader("x-seen-host", String.valueOf(req.authority()))
                        .setChunked(true)
                        .send(req));
    await(upstream.listen(0, "127.0.0.1"));
    upstreamPort = upstream.actualPort();
    proxy =
        OneUpstreamProxy.build(
            vertx,
            2,
            "test proxy",
            client -> new EndpointProxy(client, Duration.ofSeconds(5), Set.of("x-owned")),
            () -> upstreamPort,
            (failure, cause) -> {
              failures.add(failure);
              return new IllegalStateException(failure.phrase() + " upstream", cause);
            });
    await(proxy.start("127.0.0.1", 0));
  }

  @AfterEach
  void stop() {
    closeClients();
    await(proxy.close());
    await(upstream.close());
  }

  @Test
  void streamsTheBodyBothWaysAndKeepsOnlyEndToEndHeaders() {
    Buffer body = Buffer.buffer("x".repeat(100_000));

    Response r =
        await(
            streamed(
                client(new HttpClientOptions()), at(HttpMethod.POST, "/path?q=1"), body, 8_192));

    assertEquals(200, r.status());
    assertEquals(body, r.body());
    assertEquals("/path?q=1", r.header("x-seen-uri"));
    assertEquals("svc.example:" + proxy.actualPort(), r.header("x-seen-host"));
    assertNull(r.header("x-private"));
    assertNull(r.header("x-owned"));
  }

  @Test
  void aRefusedConnectionIsAConnectFailure() {
    await(upstream.close());

    Response r = await(exchange(client(new HttpClientOptions()), at(HttpMethod.GET, "/"), null));

    assertEquals(502, r.status());
    assertEquals(List.of(UpstreamFailure.CONNECT), failures);
    assertEquals("could not connect to upstream", r.body().toString());
  }

  @Test
  void originFormDropsSchemeAndAuthority() {
    assertEquals("/a?b", EndpointProxy.originForm("/a?b"));
    assertEquals("*", EndpointProxy.originForm("*"));
    assertEquals("/a/b?c", EndpointProxy.originForm("http://h:1/a/b?c"));
    assertEquals("/?c", EndpointProxy.originForm("http://h?c"));
    assertEquals("/", EndpointProxy.originForm("http://h"));
    assertEquals("/rel", EndpointProxy.originForm("rel"));
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
