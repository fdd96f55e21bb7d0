package dev.skiff.gateway;

import static dev.skiff.proxy.testing.Await.await;

import dev.skiff.proxy.testing.ProxyTestBase;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A real gateway on port 0 with a fake endpoint source, and clients that speak to it. */
abstract class GatewayTestBase extends ProxyTestBase {
  static final String NS = "default";

  FakeEndpoints endpoints;
  Gateway gateway;
  HttpClient http1;
  final List<Backend> backends = new ArrayList<>();

  GatewayTestBase() {
    super(250);
  }

  @BeforeEach
  void startGateway() {
    endpoints = new FakeEndpoints(vertx);
    gateway =
        configure(
                Gateway.builder()
                    .withVertx(vertx)
                    .withDomain("localhost")
                    .withEndpoints(endpoints)
                    .withMeterRegistry(registry)
                    .withServerInstances(2))
            .build();
    await(gateway.start("127.0.0.1", 0));
    http1 = client(new HttpClientOptions());
  }

  /** Per-class gateway settings. */
  Gateway.Builder configure(Gateway.Builder builder) {
    return builder;
  }

  @AfterEach
  void stopGateway() {
    closeClients();
    await(gateway.close());
    backends.forEach(b -> await(b.close()));
    backends.clear();
  }

  Backend echoBackend(String name) {
    Backend b = Backend.echo(vertx, name);
    backends.add(b);
    return b;
  }

  /**
   * Deploys {@code service} with one revision, {@code {service}-00001}, taking all its traffic and
   * served by an echo backend, which it returns.
   */
  Backend deployEcho(String service) {
    String revision = service + "-00001";
    Backend b = echoBackend(revision);
    endpoints.publish(NS, revision, b.endpoint());
    gateway.onResourceEvent(
        Services.put(Services.service(NS, service, Services.to(revision, 100))));
    return b;
  }

  /** Request options aimed at the gateway, with {@code host} as the Host / :authority. */
  RequestOptions at(String host, HttpMethod method, String uri) {
    return new RequestOptions()
        .setServer(SocketAddress.inetSocketAddress(gateway.actualPort(), "127.0.0.1"))
        .setHost(host)
        .setPort(gateway.actualPort())
        .setMethod(method)
        .setURI(uri);
  }

  Future<Response> get(HttpClient client, String host, String uri) {
    return exchange(client, at(host, HttpMethod.GET, uri), null);
  }

  Response get(String host, String uri) {
    return await(get(http1, host, uri));
  }

  static String host(String service) {
    return service + "." + NS + ".localhost";
  }
}
