package dev.skiff.controlplane.internal.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Counts requests by route template, method and status ({@code code} and {@code code_class}, as the
 * gateway tags them; {@code skiff_api_requests_total} in Prometheus) and times them ({@code
 * skiff_api_request_duration_seconds}). Runs first on every request.
 */
final class RequestMetrics implements Handler<RoutingContext> {
  /** Routing-context key under which a route stores its template, e.g. {@code /v1/services}. */
  static final String ROUTE = "skiff.route";

  private final MeterRegistry registry;

  /**
   * The meters of each route, method and status seen: registering them again per request built
   * their ids and tags (and sorted them) for a lookup; the set is bounded by the routes.
   */
  private final Map<Key, Meters> meters = new ConcurrentHashMap<>();

  /** The methods HTTP defines (RFC 9110 and PATCH); any other is tagged "other". */
  private static final Set<HttpMethod> METHODS =
      Set.of(
          HttpMethod.GET,
          HttpMethod.HEAD,
          HttpMethod.POST,
          HttpMethod.PUT,
          HttpMethod.DELETE,
          HttpMethod.CONNECT,
          HttpMethod.OPTIONS,
          HttpMethod.TRACE,
          HttpMethod.PATCH);

  private record Key(String route, String method, int code) {}

  private record Meters(Counter requests, Timer duration) {}

  RequestMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    ctx.addEndHandler(
        v -> {
          Key key =
              new Key(
                  ctx.get(ROUTE, "unmatched"),
                  method(ctx.request().method()),
                  ctx.response().getStatusCode());
          Meters m = meters.computeIfAbsent(key, this::register);
          m.requests().increment();
          m.duration().record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        });
    ctx.next();
  }

  /** The method's tag: a client chooses its method, but not how many meters the API keeps. */
  private static String method(HttpMethod method) {
    return METHODS.contains(method) ? method.name() : "other";
  }

  private Meters register(Key key) {
    String method = key.method();
    return new Meters(
        Counter.builder("skiff.api.requests")
            .description("REST API requests by route, method and status code")
            .tags("route", key.route(), "method", method)
            .tag("code", Integer.toString(key.code()))
            .tag("code_class", (key.code() / 100) + "xx")
            .register(registry),
        Timer.builder("skiff.api.request.duration")
            .description("REST API request latency")
            .tags("route", key.route(), "method", method)
            .register(registry));
  }
}
