package dev.skiff.console;

import dev.skiff.console.internal.Assets;
import dev.skiff.console.internal.RevisionStats;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.time.Clock;
import java.util.Objects;

/**
 * The web console: static files under {@value #PATH} (no data in them, so they need no token) and
 * {@code GET /v1/stats/revisions}, every revision's request rate, error rate and latency
 * percentiles per second, sampled from the gateway's and the node's meters in the registry. The
 * console reads everything else from the REST API with the token the person gives it.
 *
 * <pre>{@code
 * Console console = Console.builder().withVertx(vertx).withMeterRegistry(registry).build();
 * console.mount(controlPlane.router()); // behind the API's guard: /v1/stats needs a token
 * console.start();
 * }</pre>
 */
public final class Console {
  /** Where the console is served; the API's guard lets requests under it through without token. */
  public static final String PATH = "/ui/";

  /** The stats endpoint. */
  public static final String STATS_PATH = "/v1/stats/revisions";

  private final Vertx vertx;
  private final RevisionStats stats;
  private final Assets assets = Assets.load();
  private long timer = -1;

  private Console(Builder b) {
    this.vertx = Objects.requireNonNull(b.vertx, "withVertx");
    this.stats =
        new RevisionStats(
            Objects.requireNonNull(b.registry, "withMeterRegistry"), b.clock, b.history);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Adds the console's routes to {@code router} (the API's, so the stats need a token). */
  public void mount(Router router) {
    // Vert.x Web matches "/ui" for "/ui/" too: redirect only the bare path.
    router
        .get("/ui")
        .handler(
            ctx -> {
              if (ctx.request().path().equals("/ui")) {
                ctx.redirect(PATH);
              } else {
                ctx.next();
              }
            });
    router.get(PATH + "*").handler(assets);
    router
        .get(STATS_PATH)
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("Content-Type", "application/json")
                    .putHeader("Cache-Control", "no-store")
                    .end(stats.snapshot().encode()));
  }

  /** Samples the meters every second from now on. */
  public void start() {
    stats.sample();
    timer = vertx.setPeriodic(1000, id -> stats.sample());
  }

  /** Stops sampling. */
  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /** Configures a {@link Console}; Vert.x and the registry are required. */
  public static final class Builder {
    private Vertx vertx;
    private MeterRegistry registry;
    private Clock clock = Clock.systemUTC();
    private int history = 120;

    private Builder() {}

    public Builder withVertx(Vertx v) {
      this.vertx = v;
      return this;
    }

    /** The registry the gateway and node agent meter into. */
    public Builder withMeterRegistry(MeterRegistry r) {
      this.registry = r;
      return this;
    }

    public Builder withClock(Clock c) {
      this.clock = Objects.requireNonNull(c);
      return this;
    }

    /** Seconds of history kept per revision (the plots' width); default 120. */
    public Builder withHistory(int seconds) {
      if (seconds < 2 || seconds > 3600) {
        throw new IllegalArgumentException("history: 2 to 3600 seconds, got " + seconds);
      }
      this.history = seconds;
      return this;
    }

    public Console build() {
      return new Console(this);
    }
  }
}
