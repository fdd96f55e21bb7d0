package dev.skiff.activator;

import static dev.skiff.proxy.testing.Await.await;

import dev.skiff.api.stats.Stat;
import dev.skiff.proxy.testing.Await;
import dev.skiff.proxy.testing.ProxyTestBase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A real activator on port 0 with a fake endpoint watch, a manual ticker, and recording poker and
 * stats sink; real backends; clients that speak to it the way the gateway does.
 */
abstract class ActivatorTestBase extends ProxyTestBase {
  static final String NS = "default";
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  FakeEndpointWatch endpoints;
  ManualTicker ticker;
  final Queue<String> pokes = new ConcurrentLinkedQueue<>();
  final Queue<Stat> stats = new ConcurrentLinkedQueue<>();
  Activator activator;
  HttpClient http;
  final List<Backend> backends = new ArrayList<>();

  ActivatorTestBase() {
    super(600);
  }

  @BeforeEach
  void startActivator() {
    endpoints = new FakeEndpointWatch();
    ticker = new ManualTicker();
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
    closeClients();
    await(activator.close());
    backends.forEach(b -> await(b.close()));
    backends.clear();
  }

  Backend backend(String name) {
    Backend b = Backend.start(vertx, name);
    backends.add(b);
    return b;
  }

  /** Where requests enter the activator: its listener, unless a class says otherwise. */
  int entryPort() {
    return activator.actualPort();
  }

  /** A request as the gateway sends it: aimed at the activator, naming the revision. */
  RequestOptions to(String revision, HttpMethod method, String uri) {
    RequestOptions o =
        new RequestOptions()
            .setServer(SocketAddress.inetSocketAddress(entryPort(), "127.0.0.1"))
            .setHost("svc.default.localhost")
            .setPort(entryPort())
            .setMethod(method)
            .setURI(uri);
    o.putHeader(Activator.REVISION_NAMESPACE_HEADER, NS);
    o.putHeader(Activator.REVISION_NAME_HEADER, revision);
    return o;
  }

  Future<Response> get(String revision, String uri) {
    return exchange(http, to(revision, HttpMethod.GET, uri), null);
  }

  double queued(String revision) {
    Gauge g = registry.find("skiff.activator.queue.depth").tags("revision", revision).gauge();
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
    Await.eventually(
        revision + " has " + expected + " " + outcome,
        () -> outcomes(revision, outcome) == expected);
  }

  List<Stat> statsFor(String revision) {
    return stats.stream().filter(s -> s.revision().name().equals(revision)).toList();
  }
}
