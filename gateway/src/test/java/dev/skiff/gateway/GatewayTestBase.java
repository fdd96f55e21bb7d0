package dev.skiff.gateway;

import static dev.skiff.gateway.Support.await;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/** A real gateway on port 0 with a fake endpoint source, and clients that speak to it. */
abstract class GatewayTestBase {
  static final String NS = "default";

  record Response(int status, MultiMap headers, Buffer body, HttpVersion version) {
    String header(String name) {
      return headers.get(name);
    }
  }

  static Vertx vertx;
  FakeEndpoints endpoints;
  SimpleMeterRegistry registry;
  final Set<Meter.Id> histogramMeters = ConcurrentHashMap.newKeySet();
  Gateway gateway;
  HttpClient http1;
  final List<Backend> backends = new ArrayList<>();
  final List<HttpClient> clients = new ArrayList<>();

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopVertx() {
    await(vertx.close());
  }

  @BeforeEach
  void startGateway() {
    endpoints = new FakeEndpoints(vertx);
    registry = new SimpleMeterRegistry();
    // SimpleMeterRegistry ignores percentile histograms; record which meters asked for one.
    registry
        .config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public DistributionStatisticConfig configure(
                  Meter.Id id, DistributionStatisticConfig config) {
                if (Boolean.TRUE.equals(config.isPercentileHistogram())) {
                  histogramMeters.add(id);
                }
                return config;
              }
            });
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
    clients.forEach(c -> await(c.close()));
    clients.clear();
    await(gateway.close());
    backends.forEach(b -> await(b.close()));
    backends.clear();
  }

  HttpClient client(HttpClientOptions options) {
    HttpClient c =
        vertx.httpClientBuilder().with(options).with(new PoolOptions().setHttp1MaxSize(250)).build();
    clients.add(c);
    return c;
  }

  HttpClient h2PriorKnowledge() {
    return client(
        new HttpClientOptions()
            .setProtocolVersion(HttpVersion.HTTP_2)
            .setHttp2ClearTextUpgrade(false));
  }

  Backend echoBackend(String name) {
    Backend b = Backend.echo(vertx, name);
    backends.add(b);
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

  /**
   * Sends {@code body} (or none) and reads the whole response. The response is read inside the
   * request's compose: chained after it instead, a call from a test thread races the response's
   * events and may read an empty body (eclipse-vertx/vert.x#4705).
   */
  static Future<Response> exchange(HttpClient client, RequestOptions options, Buffer body) {
    return client
        .request(options)
        .compose(
            req -> (body == null ? req.send() : req.send(body)).compose(GatewayTestBase::read));
  }

  static Future<Response> read(HttpClientResponse res) {
    return res.body().map(b -> new Response(res.statusCode(), res.headers(), b, res.version()));
  }

  /** Sends {@code body} in chunks of {@code chunk} bytes, without a Content-Length. */
  static Future<Response> streamed(
      HttpClient client, RequestOptions options, Buffer body, int chunk) {
    return client
        .request(options)
        .compose(
            (HttpClientRequest req) -> {
              req.setChunked(true);
              for (int i = 0; i < body.length(); i += chunk) {
                req.write(body.slice(i, Math.min(body.length(), i + chunk)));
              }
              req.end();
              return req.response().compose(GatewayTestBase::read);
            });
  }

  static String host(String service) {
    return service + "." + NS + ".localhost";
  }
}
