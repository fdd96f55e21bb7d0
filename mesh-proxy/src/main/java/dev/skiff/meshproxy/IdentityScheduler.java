package dev.skiff.meshproxy;

import dev.skiff.meshproxy.spi.Ticker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The timers of a node's identities, shared: every identity's next renewal in one structure ordered
 * by when it is due (its 70 % mark less its own jitter, or its retry), with one timer armed for the
 * earliest; and one trust-bundle refresh that fetches the bundle once every period and hands it to
 * every identity that holds a certificate (each installs it only when it differs from its own). A
 * node with 1,000 services at zero thus keeps two timers and reads its issuer's bundle once per
 * period, not 1,000 of each (docs/mesh.md, renewal).
 *
 * <p>A root rotation reaches every identity within one period of the new root joining the bundle
 * (plus the fetch), the same bound as one refresh per identity. The refresh stops when the bundle
 * source answers none (an issuer that delivers bundles only with certificates) or when no identity
 * holds a certificate any more, and starts again with the next identity that does.
 */
public final class IdentityScheduler {
  private static final System.Logger LOG = System.getLogger(IdentityScheduler.class.getName());
  private static final Comparator<Renewal> ORDER =
      Comparator.<Renewal>comparingLong(r -> r.at).thenComparingLong(r -> r.seq);

  private final Ticker ticker;
  private final Clock clock;
  private final Supplier<Future<String>> bundle;
  private final Duration bundleRefresh;
  private final AtomicLong seq = new AtomicLong();

  // Renewals, guarded by this.
  private final TreeSet<Renewal> due = new TreeSet<>(ORDER);
  private long armedAt = Long.MAX_VALUE;
  private Runnable disarm = () -> {};
  private boolean closed;

  // The bundle refresh.
  private final Set<Function<String, Future<?>>> holders = ConcurrentHashMap.newKeySet();
  private boolean refreshing; // guarded by this
  private Runnable cancelRefresh = () -> {}; // guarded by this

  private IdentityScheduler(Builder b) {
    this.ticker = b.ticker != null ? b.ticker : vertxTicker(b.vertx);
    this.clock = b.clock;
    this.bundle = b.bundle;
    this.bundleRefresh = b.bundleRefresh;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * One identity's place in the renewal order: {@link Renewal#at} (re)schedules {@code task}, at
   * most once pending; {@link Renewal#cancel} takes it out.
   */
  public Renewal renewal(Runnable task) {
    return new Renewal(Objects.requireNonNull(task, "task"), seq.incrementAndGet());
  }

  /**
   * Hands each trust bundle fetched from now on to {@code holder} (an identity holding a
   * certificate; its future completes once it took the bundle), and starts the refresh if it is not
   * running. The answer removes the holder again.
   */
  public Runnable onBundle(Function<String, Future<?>> holder) {
    Objects.requireNonNull(holder, "holder");
    holders.add(holder);
    startRefresh();
    return () -> holders.remove(holder);
  }

  /** How many renewals are pending (for tests and diagnostics). */
  public synchronized int pendingRenewals() {
    return due.size();
  }

  /** How many identities receive the trust bundle. */
  public int bundleHolders() {
    return holders.size();
  }

  /** Cancels every timer; renewals and refreshes scheduled afterwards do nothing. */
  public synchronized void close() {
    closed = true;
    due.clear();
    disarm.run();
    armedAt = Long.MAX_VALUE;
    cancelRefresh.run();
    refreshing = false;
    holders.clear();
  }

  private synchronized void enqueue(Renewal r, long at) {
    due.remove(r);
    if (closed) {
      return;
    }
    r.at = at;
    due.add(r);
    arm();
  }

  private synchronized void dequeue(Renewal r) {
    if (due.remove(r)) {
      arm();
    }
  }

  /** Arms the one timer for the earliest renewal, unless it is armed for that already. */
  private void arm() {
    long earliest = due.isEmpty() ? Long.MAX_VALUE : due.first().at;
    if (earliest == armedAt) {
      return;
    }
    disarm.run();
    armedAt = earliest;
    if (earliest == Long.MAX_VALUE) {
      disarm = () -> {};
      return;
    }
    long target = earliest;
    Duration delay = Duration.ofMillis(Math.max(0, earliest - clock.millis()));
    disarm = ticker.schedule(delay, () -> fire(target));
  }

  /**
   * Runs every renewal due by now, or by the time this timer was armed for (a timer may fire a hair
   * before the clock reaches it), then arms the timer for the next one.
   */
  private void fire(long target) {
    List<Renewal> now = new ArrayList<>();
    synchronized (this) {
      if (target != armedAt) {
        return; // disarmed meanwhile
      }
      armedAt = Long.MAX_VALUE;
      disarm = () -> {};
      long by = Math.max(target, clock.millis());
      while (!due.isEmpty() && due.first().at <= by) {
        now.add(due.pollFirst());
      }
      arm();
    }
    for (Renewal r : now) {
      try {
        r.task.run();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a certificate renewal failed to start: " + e, e);
      }
    }
  }

  private void startRefresh() {
    synchronized (this) {
      if (refreshing || closed) {
        return;
      }
      refreshing = true;
    }
    refresh();
  }

  /** Fetches the bundle once, hands it to every holder, and schedules the next fetch. */
  private void refresh() {
    Future<String> fetched;
    try {
      fetched = bundle.get();
    } catch (RuntimeException e) {
      fetched = Future.failedFuture(e);
    }
    fetched.onComplete(
        ar -> {
          if (ar.succeeded() && ar.result() == null) {
            stopRefresh(); // this source delivers bundles only with certificates
            return;
          }
          if (ar.failed()) {
            LOG.log(
                Level.WARNING,
                "fetching the mesh trust bundle failed; retrying in "
                    + bundleRefresh
                    + ": "
                    + ar.cause());
          } else {
            handOut(ar.result());
          }
          nextRefresh();
        });
  }

  private void handOut(String pem) {
    for (Function<String, Future<?>> h : holders) {
      Future<?> taken;
      try {
        taken = h.apply(pem);
      } catch (RuntimeException e) {
        taken = Future.failedFuture(e);
      }
      taken.onFailure(
          err -> LOG.log(Level.WARNING, "installing a new mesh trust bundle failed: " + err));
    }
  }

  private synchronized void stopRefresh() {
    refreshing = false;
  }

  private synchronized void nextRefresh() {
    if (closed || holders.isEmpty()) {
      refreshing = false; // the next identity to hold a certificate starts it again
      return;
    }
    cancelRefresh = ticker.schedule(bundleRefresh, this::refresh);
  }

  private static Ticker vertxTicker(Vertx vertx) {
    return (delay, task) -> {
      long timer = vertx.setTimer(Math.max(1, delay.toMillis()), t -> task.run());
      return () -> vertx.cancelTimer(timer);
    };
  }

  /** One identity's pending renewal; see {@link IdentityScheduler#renewal}. */
  public final class Renewal {
    private final Runnable task;
    private final long seq;
    private long at; // guarded by the scheduler

    private Renewal(Runnable task, long seq) {
      this.task = task;
      this.seq = seq;
    }

    /** Runs the task at {@code when} (at once if past), instead of any time set before. */
    public void at(Instant when) {
      enqueue(this, when.toEpochMilli());
    }

    /** Takes the pending run out; the task runs no more unless {@link #at} is called again. */
    public void cancel() {
      dequeue(this);
    }
  }

  /**
   * Settings; {@code withVertx} or {@code withTicker}, and {@code withTrustBundle}, are required.
   */
  public static final class Builder {
    private Vertx vertx;
    private Ticker ticker;
    private Clock clock = Clock.systemUTC();
    private Supplier<Future<String>> bundle;
    private Duration bundleRefresh = Duration.ofSeconds(30);

    private Builder() {}

    /** Vert.x, whose timers run the schedule unless {@link #withTicker} gives another ticker. */
    public Builder withVertx(Vertx vertx) {
      this.vertx = Objects.requireNonNull(vertx, "vertx");
      return this;
    }

    /** What runs the two timers; default Vert.x timers. */
    public Builder withTicker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** The clock renewal times are measured with; the identities' own. Default the system's. */
    public Builder withClock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Where the node's trust bundle comes from (the issuer's {@link
     * dev.skiff.meshproxy.spi.CertificateIssuer#trustBundle()}); it answers null when the issuer
     * delivers bundles only with certificates. Must not block.
     */
    public Builder withTrustBundle(Supplier<Future<String>> bundle) {
      this.bundle = Objects.requireNonNull(bundle, "bundle");
      return this;
    }

    /** How often the trust bundle is fetched; default 30 s. */
    public Builder withBundleRefresh(Duration every) {
      if (every == null || every.isNegative() || every.isZero()) {
        throw new IllegalArgumentException("bundle refresh must be positive, got " + every);
      }
      this.bundleRefresh = every;
      return this;
    }

    public IdentityScheduler build() {
      if ((vertx == null && ticker == null) || bundle == null) {
        throw new IllegalStateException(
            "withVertx(..) or withTicker(..), and withTrustBundle(..), are required");
      }
      return new IdentityScheduler(this);
    }
  }
}
