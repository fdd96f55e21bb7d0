package dev.skiff.activator;

import static dev.skiff.activator.Support.await;

import dev.skiff.api.stats.Stat;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
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
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * A real activator on port 0 with a fake endpoint watch, a manual ticker, and recording poker and
 * stats sink; real backends; clients that speak to it the way the gateway does.
 */
abstract class ActivatorTestBase {
  static final String NS = "default";
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  record Response(int status, MultiMap headers, Buffer body) {
    String header(String name) {
      return headers.get(name);
    }
  }

  static Vertx vertx;
  FakeEndpointWatch endpoints;
  ManualTicker ticker;
  SimpleMeterRegistry registry;
  final Set<Meter.Id> histogramMeters = ConcurrentHashMap.newKeySet();
  final Queue<String> pokes = new ConcurrentLinkedQueue<>();
  final Queue<Stat> stats = new ConcurrentLinkedQueue<>();
  Activator activator;
  HttpClient http;
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
  void startActivator() {
    endpoints = new FakeEndpointWatch();
    ticker = new ManualTicker();
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
    activator =
        configure(
                Activator.builder()
                    .withVertx(vertx)
                    .withEndpointWatch(endpoints)
                    .withPoker((ns, rev) -> pokes.add(ns + "/" + rev))
                    .withStatsSink(stats::add)
                    .withMeterRegistry(registry)
                    .withClock(Clock.fixed(T0, ZoneOffset.UTC))
                    .withTicker(ticker)
                    .withServerInstances(2))
            .build();
    await(activator.start("127.0.0.1", 0));
    http = client(new HttpClientOptions());
  }

  /** Per-class settings. */
  Activator.Builder configure(Activator.Builder builder) {
    return builder;
  }

  @AfterEach
  void stopActivator() {
    clients.forEach(c -> await(c.close()));
    clients.clear();
    await(activator.close());
    backends.forEach(b -> await(b.close()));
    backends.clear();
  }

  HttpClient client(HttpClientOptions options) {
    HttpClient c =
        vertx.httpClientBuilder().with(options).with(new PoolOptions().setHttp1MaxSize(600)).build();
    clients.add(c);
    return c;
  }

  HttpClient h2PriorKnowledge() {
    return client(
        new HttpClientOptions()
            .setProtocolVersion(HttpVersion.HTTP_2)
            .setHttp2ClearTextUpgrade(false));
  }

  Backend backend(String name) {
    Backend b = Backend.start(vertx, name);
    backends.add(b);
    return b;
  }

  /** A request as the gateway sends it: aimed at the activator, naming the revision. */
  RequestOptions to(String revision, HttpMethod method, String uri) {
    RequestOptions o =
        new RequestOptions()
            .setServer(SocketAddress.inetSocketAddress(activator.actualPort(), "127.0.0.1"))
            .setHost("svc.default.localhost")
            .setPort(activator.actualPort())
            .setMethod(method)
            .setURI(uri);
    o.putHeader(Activator.REVISION_NAMESPACE_HEADER, NS);
    o.putHeader(Activator.REVISION_NAME_HEADER, revision);
    return o;
  }

  Future<Response> get(String revision, String uri) {
    return send(http, to(revision, HttpMethod.GET, uri), null);
  }

  /**
   * Sends {@code body} (or none) and reads the whole response. The response is read inside the
   * request's compose: chained after it instead, a call from a test thread races the response's
   * events and may read an empty body (eclipse-vertx/vert.x#4705).
   */
  static Future<Response> send(HttpClient client, RequestOptions options, Buffer body) {
    return client
        .request(options)
        .compose(
            req -> (body == null ? req.send() : req.send(body)).compose(ActivatorTestBase::read));
  }

  static Future<Response> read(HttpClientResponse res) {
    return res.body().map(b -> new Response(res.statusCode(), res.headers(), b));
  }

  double queued(String revision) {
    Gauge g =
        registry.find("skiff.activator.queue.depth").tags("revision", revision).gauge();
    return g == null ? 0 : g.value();
  }

  double concurrency(String revision) {
    Gauge g = registry.find("skiff.activator.concurrency").tags("revision", revision).gauge();
    return g == null ? 0 : g.value();
  }

  double outcomes(String revision, String outcome) {
    Counter c =
        registry
            .find("skiff.activator.requests")
            .tags("revision", revision, "outcome", outcome)
            .counter();
    return c == null ? 0 : c.count();
  }

  /** Outcomes are counted just after the response is written: poll for them. */
  void eventuallyCounted(String revision, String outcome, double expected) {
    Support.eventually(
        revision + " has " + expected + " " + outcome,
        () -> outcomes(revision, outcome) == expected);
  }

  List<Stat> statsFor(String revision) {
    return stats.stream().filter(s -> s.revision().name().equals(revision)).toList();
  }
}
