package dev.skiff.autoscaler;

import dev.skiff.api.model.ScalingSettings;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.api.stats.Stat;
import dev.skiff.autoscaler.internal.StatCollector;
import dev.skiff.autoscaler.internal.VertxTicker;
import dev.skiff.autoscaler.spi.Decider;
import dev.skiff.autoscaler.spi.Endpoints;
import dev.skiff.autoscaler.spi.MetricSource;
import dev.skiff.autoscaler.spi.ScaleListener;
import dev.skiff.autoscaler.spi.Ticker;
import io.vertx.core.Vertx;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Decides every tracked revision's instance count on each tick (every 2s by default, Knative's
 * tick) and at once on a {@link #poke}, and tells the {@link ScaleListener} when a revision's
 * decision changes. The decision itself is the {@link Decider}'s pure function; this class only
 * gathers its inputs (windowed stats, ready instances, the clock) and keeps each revision's state.
 *
 * <p>Thread-safe: stats and pokes may come from any thread; decisions for one revision are made one
 * at a time.
 */
public final class Autoscaler {
  private static final System.Logger LOG = System.getLogger(Autoscaler.class.getName());

  private final AutoscalerConfig config;
  private final Decider decider;
  private final MetricSource metrics;
  private final Endpoints endpoints;
  private final ScaleListener listener;
  private final Clock clock;
  private final Ticker ticker;
  private final ConcurrentMap<RevisionKey, TrackedRevision> revisions = new ConcurrentHashMap<>();
  private Ticker.Cancellable ticking;

  private Autoscaler(Builder b) {
    this.config = b.config;
    this.decider = b.decider != null ? b.decider : new KpaDecider(b.config);
    this.metrics =
        b.metrics != null ? b.metrics : new StatCollector(ScalingSettings.DEFAULTS.window());
    this.endpoints = Objects.requireNonNull(b.endpoints, "withEndpoints(..) is required");
    this.listener = Objects.requireNonNull(b.listener, "withListener(..) is required");
    this.clock = b.clock;
    this.ticker = b.ticker;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Starts ticking every {@link AutoscalerConfig#tickInterval()}; needs a Vert.x or a ticker. */
  public synchronized void start() {
    if (ticker == null) {
      throw new AutoscalerException(
          "no ticker to start: build with withVertx(..) or withTicker(..), or call tick()"
              + " yourself");
    }
    if (ticking == null) {
      ticking = ticker.every(config.tickInterval(), this::tick);
    }
  }

  /** Stops ticking; tracked revisions and their state stay. */
  public synchronized void stop() {
    if (ticking != null) {
      ticking.cancel();
      ticking = null;
    }
  }

  /**
   * Starts deciding for a newly created revision, from its initial scale; decides at once. For a
   * revision already tracked it only decides again: revisions are immutable, so are their settings.
   */
  public Decision track(RevisionKey revision, ScalingSettings settings) {
    return add(revision, settings, DecisionState.initial(settings, clock.instant()));
  }

  /**
   * Starts deciding for a revision that existed before this autoscaler (a restart), from the
   * instances it runs now, without initial scale; decides at once. Like {@link #track}, keeps the
   * state of a revision already tracked.
   */
  public Decision resume(RevisionKey revision, ScalingSettings settings) {
    int ready = endpoints.readyInstances(revision);
    return add(revision, settings, DecisionState.resumed(ready, clock.instant()));
  }

  /** Stops deciding for the revision and drops its stats. */
  public void untrack(RevisionKey revision) {
    revisions.remove(revision);
    metrics.forget(revision);
  }

  /** Takes one report; reports for revisions not tracked are dropped. */
  public void record(Stat stat) {
    if (revisions.containsKey(stat.revision())) {
      // Bucketed by arrival on this clock, as Knative does, so reporters' clock skew cannot move
      // load into another window.
      metrics.record(stat, clock.instant());
      if (!revisions.containsKey(stat.revision())) {
        metrics.forget(stat.revision()); // untracked meanwhile: do not keep its buckets
      }
    }
  }

  /**
   * A request arrived for the revision, typically at zero (the activator's poke): decides at once,
   * counting the request as traffic, so the revision gets at least one instance.
   *
   * @return the decision, or empty when the revision is not tracked
   */
  public Optional<Decision> poke(RevisionKey revision) {
    TrackedRevision r = revisions.get(revision);
    return r == null ? Optional.empty() : Optional.of(r.step(true, clock.instant()));
  }

  /** Decides every tracked revision now; the ticker calls this, tests may too. */
  public void tick() {
    // One instant for the whole tick, as Knative's: a revision at zero then costs no allocation.
    Instant now = clock.instant();
    for (TrackedRevision r : revisions.values()) {
      try {
        r.step(false, now);
      } catch (RuntimeException e) {
        LOG.log(Level.ERROR, "autoscaling " + r.key + " failed; next tick retries", e);
      }
    }
  }

  /** The revision's latest decision, for {@code skiff describe}. */
  public Optional<Decision> decision(RevisionKey revision) {
    TrackedRevision r = revisions.get(revision);
    return r == null ? Optional.empty() : Optional.ofNullable(r.last);
  }

  /** The revisions being decided. */
  public Set<RevisionKey> revisions() {
    return Set.copyOf(revisions.keySet());
  }

  private Decision add(RevisionKey revision, ScalingSettings settings, DecisionState state) {
    TrackedRevision fresh = new TrackedRevision(revision, settings, state);
    TrackedRevision r = revisions.putIfAbsent(revision, fresh);
    // A repeated watch event must not reset a revision's state (and re-apply its initial scale).
    Instant now = clock.instant();
    return r == null ? fresh.step(false, now) : r.step(false, now);
  }

  /** One revision's settings and decision state; {@link #step} runs one decision at a time. */
  private final class TrackedRevision {
    final RevisionKey key;
    final ScalingSettings settings;
    final Duration panicWindow;
    private DecisionState state;
    volatile Decision last;

    TrackedRevision(RevisionKey key, ScalingSettings settings, DecisionState state) {
      this.key = key;
      this.settings = settings;
      this.panicWindow = KpaDecider.panicWindow(settings);
      this.state = state;
    }

    synchronized Decision step(boolean poke, Instant now) {
      WindowedStats stats = metrics.windowed(key, settings.window(), panicWindow, now);
      int ready = endpoints.readyInstances(key);
      Decision before = last;
      if (!poke && before != null && decider.settled(settings, stats, ready, before, now)) {
        // Deciding again would give the same decision (a revision at zero, nothing new): with
        // a thousand revisions at zero, each tick's decisions were most of what skiffd allocated.
        return before;
      }
      var observation = new Observation(stats, ready, endpoints.activatorInPath(key));
      Decision d =
          poke
              ? decider.poke(settings, observation, state, now)
              : decider.decide(settings, observation, state, now);
      state = d.next();
      last = d;
      if (before == null
          || before.desired() != d.desired()
          || before.panicking() != d.panicking()
          || before.needsActivator() != d.needsActivator()) {
        // Under this revision's lock, so the listener sees its decisions in order.
        listener.onDesiredScale(key, d);
      }
      return d;
    }
  }

  /** Builds an {@link Autoscaler}; endpoints and a listener are required. */
  public static final class Builder {
    private AutoscalerConfig config = AutoscalerConfig.DEFAULTS;
    private Decider decider;
    private MetricSource metrics;
    private Endpoints endpoints;
    private ScaleListener listener;
    private Clock clock = Clock.systemUTC();
    private Ticker ticker;

    private Builder() {}

    public Builder withConfig(AutoscalerConfig value) {
      this.config = Objects.requireNonNull(value);
      return this;
    }

    /** Replaces the {@link KpaDecider}. */
    public Builder withDecider(Decider value) {
      this.decider = value;
      return this;
    }

    /** Replaces the built-in per-second bucket collector. */
    public Builder withMetricSource(MetricSource value) {
      this.metrics = value;
      return this;
    }

    public Builder withEndpoints(Endpoints value) {
      this.endpoints = value;
      return this;
    }

    public Builder withListener(ScaleListener value) {
      this.listener = value;
      return this;
    }

    public Builder withClock(Clock value) {
      this.clock = Objects.requireNonNull(value);
      return this;
    }

    /** Ticks with a Vert.x periodic timer on this Vert.x instance. */
    public Builder withVertx(Vertx vertx) {
      this.ticker = new VertxTicker(vertx);
      return this;
    }

    public Builder withTicker(Ticker value) {
      this.ticker = value;
      return this;
    }

    public Autoscaler build() {
      return new Autoscaler(this);
    }
  }
}
