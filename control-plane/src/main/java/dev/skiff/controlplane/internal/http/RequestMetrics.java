package dev.skiff.controlplane.internal.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
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

  RequestMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  @Override
  public void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    ctx.addEndHandler(
        v -> {
          String route = ctx.get(ROUTE, "unmatched");
          String method = ctx.request().method().name();
          int code = ctx.response().getStatusCode();
          Counter.builder("skiff.api.requests")
              .description("REST API requests by route, method and status code")
              .tags("route", route, "method", method)
              .tag("code", Integer.toString(code))
              .tag("code_class", (code / 100) + "xx")
              .register(registry)
              .increment();
          Timer.builder("skiff.api.request.duration")
              .description("REST API request latency")
              .tags("route", route, "method", method)
              .register(registry)
              .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        });
    ctx.next();
  }
}
