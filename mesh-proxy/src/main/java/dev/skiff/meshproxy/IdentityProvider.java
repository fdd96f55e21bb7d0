package dev.skiff.meshproxy;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.internal.Csr;
import dev.skiff.meshproxy.spi.CertificateIssuer;
import dev.skiff.meshproxy.spi.Ticker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.System.Logger.Level;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Keeps one identity's certificate fresh: makes an EC P-256 key here, sends only a CSR to the
 * {@link CertificateIssuer}, and renews at 70 % of the certificate's lifetime less up to 10 %
 * jitter (so a node's sidecars do not renew together). A failed renewal is retried while the
 * current certificate lasts. Between renewals it takes the issuer's trust bundle every 30 s (when
 * the issuer offers one, see {@link CertificateIssuer#trustBundle()}), so a rotated root is trusted
 * before it signs anything. Every listener sees each new {@link Credentials}, one change at a time.
 *
 * <p>Its timers are an {@link IdentityScheduler}'s: its own by default, or the node's, shared with
 * every other identity of the node ({@link Builder#withScheduler}): one renewal timer and one
 * bundle fetch per period for all of them.
 */
public final class IdentityProvider {
  private static final System.Logger LOG = System.getLogger(IdentityProvider.class.getName());
  private static final double RENEW_AT = 0.7;
  private static final double JITTER = 0.1;

  private final Vertx vertx;
  private final SpiffeId id;
  private final CertificateIssuer issuer;
  private final Duration ttl;
  private final Clock clock;
  private final DoubleSupplier jitter;
  private final IdentityScheduler scheduler;
  private final IdentityScheduler.Renewal renewal;
  private final List<Function<Credentials, Future<?>>> listeners = new CopyOnWriteArrayList<>();
  private final AtomicLong renewals = new AtomicLong();
  private volatile Credentials current;
  private volatile Runnable leaveBundle; // null until the first certificate
  private Future<?> installs = Future.succeededFuture();
  private volatile boolean stopped;

  private IdentityProvider(Builder b) {
    this.vertx = b.vertx;
    this.id = b.id;
    this.issuer = b.issuer;
    this.ttl = b.ttl;
    this.clock = b.clock;
    this.jitter = b.jitter;
    this.scheduler = b.scheduler != null ? b.scheduler : ownScheduler(b);
    this.renewal = scheduler.renewal(this::renewNow);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Obtains the first certificate and schedules its renewal. */
  public Future<Credentials> start() {
    return renewNow();
  }

  /**
   * Makes a new key and certificate now, hands them to every listener, and schedules the next
   * renewal; completes once every listener has taken them.
   */
  public Future<Credentials> renewNow() {
    Instant asked = clock.instant();
    return vertx
        .<KeyPair>executeBlocking(Csr::newKeyPair, false)
        .compose(
            keys ->
                issuer
                    .issue(Csr.request(id, keys), ttl)
                    .map(issued -> Credentials.of(id, keys, issued)))
        .compose(
            fresh ->
                install(() -> fresh)
                    .map(
                        installed -> {
                          renewals.incrementAndGet();
                          scheduleRenewal(fresh, asked);
                          takeBundles();
                          return fresh;
                        }))
        .onFailure(this::retryLater);
  }

  /**
   * Fetches the issuer's trust bundle now and, when it differs from the current one, hands the
   * current certificate with the new bundle to every listener. Completes with the credentials in
   * use afterwards (null before the first issuance).
   */
  public Future<Credentials> refreshBundle() {
    Credentials base = current;
    if (base == null) {
      return Future.succeededFuture();
    }
    return issuer.trustBundle().compose(this::takeBundle);
  }

  /**
   * Hands the current certificate with {@code pem} to every listener when {@code pem} differs from
   * the bundle in use (the scheduler's refresh calls it for every identity of the node).
   */
  private Future<Credentials> takeBundle(String pem) {
    Credentials base = current;
    return base == null || pem == null || pem.equals(base.trustBundlePem())
        ? Future.succeededFuture(base)
        // A renewal in between brought a bundle as new as this one: keep it.
        : install(() -> current == base ? base.withTrustBundle(pem) : null)
            .map(installed -> current);
  }

  /**
   * Hands what {@code next} makes (null: nothing to change) to every listener, then makes it
   * current; one install at a time, so a renewal and a bundle refresh never interleave.
   */
  private synchronized Future<Credentials> install(Supplier<Credentials> next) {
    Future<Credentials> done =
        installs
            .transform(previous -> Future.<Void>succeededFuture())
            .compose(
                v -> {
                  Credentials fresh = next.get();
                  if (fresh == null) {
                    return Future.succeededFuture(current);
                  }
                  return Future.all(listeners.stream().map(l -> l.apply(fresh)).toList())
                      .map(
                          all -> {
                            current = fresh;
                            return fresh;
                          });
                });
    installs = done;
    return done;
  }

  /** The identity's current credentials; null before the first issuance. */
  public Credentials current() {
    return current;
  }

  public SpiffeId id() {
    return id;
  }

  /** How many certificates were obtained, the first one included. */
  public long renewals() {
    return renewals.get();
  }

  /**
   * Calls {@code listener} with each new {@link Credentials}, before {@link #current()} changes; a
   * renewal counts as done once its future completes, and fails if it fails. The answer removes the
   * listener again (a sidecar that shares the identity and stops).
   */
  public Runnable onRenewal(Function<Credentials, Future<?>> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
    return () -> listeners.remove(listener);
  }

  /** Stops renewing and taking trust bundles. */
  public synchronized void stop() {
    stopped = true;
    renewal.cancel();
    if (leaveBundle != null) {
      leaveBundle.run();
    }
  }

  /** From the first certificate on, takes the trust bundles the scheduler fetches. */
  private void takeBundles() {
    if (leaveBundle != null || stopped) {
      return;
    }
    // Registered outside this identity's lock: registering may hand the bundle to every identity.
    Runnable leave = scheduler.onBundle(this::takeBundle);
    synchronized (this) {
      if (leaveBundle == null && !stopped) {
        leaveBundle = leave;
        return;
      }
    }
    leave.run(); // registered twice by two renewals at once, or stopped meanwhile
  }

  /**
   * Renews at 70 % (less jitter) of the lifetime the issuer granted, counted from when it was asked
   * for: an issuer that backdates notBefore for clock skew (Skiff's CA by a minute) does not grant
   * that time, and counting it would renew a short leaf at once, over and over.
   */
  private void scheduleRenewal(Credentials c, Instant asked) {
    Instant from = c.notBefore().isAfter(asked) ? c.notBefore() : asked;
    Duration life = Duration.between(from, c.notAfter());
    double fraction = RENEW_AT - JITTER * Math.min(1, Math.max(0, jitter.getAsDouble()));
    schedule(from.plusMillis((long) (life.toMillis() * fraction)));
  }

  private void retryLater(Throwable err) {
    Credentials c = current;
    Duration left = c == null ? Duration.ZERO : Duration.between(clock.instant(), c.notAfter());
    Duration delay = clamp(left.dividedBy(10), Duration.ofSeconds(1), Duration.ofMinutes(1));
    LOG.log(
        Level.WARNING,
        "renewing the certificate of " + id + " failed; retrying in " + delay + ": " + err);
    schedule(delay);
  }

  private void schedule(Duration delay) {
    schedule(clock.instant().plus(delay));
  }

  private synchronized void schedule(Instant at) {
    if (!stopped) {
      renewal.at(at);
    }
  }

  private static Duration clamp(Duration d, Duration min, Duration max) {
    return d.compareTo(min) < 0 ? min : d.compareTo(max) > 0 ? max : d;
  }

  private static IdentityScheduler ownScheduler(Builder b) {
    IdentityScheduler.Builder own =
        IdentityScheduler.builder()
            .withVertx(b.vertx)
            .withClock(b.clock)
            .withTrustBundle(b.issuer::trustBundle)
            .withBundleRefresh(b.bundleRefresh);
    if (b.ticker != null) {
      own.withTicker(b.ticker);
    }
    return own.build();
  }

  /** Settings; {@code withVertx}, {@code withIdentity} and {@code withIssuer} are required. */
  public static final class Builder {
    private Vertx vertx;
    private SpiffeId id;
    private CertificateIssuer issuer;
    private Duration ttl = Duration.ofHours(24);
    private Ticker ticker;
    private Clock clock = Clock.systemUTC();
    private DoubleSupplier jitter = () -> ThreadLocalRandom.current().nextDouble();
    private Duration bundleRefresh = Duration.ofSeconds(30);
    private IdentityScheduler scheduler;

    private Builder() {}

    public Builder withVertx(Vertx vertx) {
      this.vertx = Objects.requireNonNull(vertx, "vertx");
      return this;
    }

    public Builder withIdentity(SpiffeId id) {
      this.id = Objects.requireNonNull(id, "id");
      return this;
    }

    public Builder withIssuer(CertificateIssuer issuer) {
      this.issuer = Objects.requireNonNull(issuer, "issuer");
      return this;
    }

    /** The lifetime asked for; default 24 h. The issuer may grant less. */
    public Builder withTtl(Duration ttl) {
      if (ttl == null || ttl.isNegative() || ttl.isZero()) {
        throw new IllegalArgumentException("ttl must be positive, got " + ttl);
      }
      this.ttl = ttl;
      return this;
    }

    /**
     * The node's scheduler, shared with its other identities: its ticker, clock and bundle refresh
     * apply, not this builder's {@link #withTicker} and {@link #withBundleRefresh}. Default one of
     * this identity's own, fetching {@link CertificateIssuer#trustBundle()}.
     */
    public Builder withScheduler(IdentityScheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
      return this;
    }

    /** What schedules renewals (without {@link #withScheduler}); default Vert.x timers. */
    public Builder withTicker(Ticker ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** The clock renewal times are computed with; default the system clock. */
    public Builder withClock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * How often the issuer's trust bundle is fetched between renewals (without {@link
     * #withScheduler}); default 30 s.
     */
    public Builder withBundleRefresh(Duration every) {
      if (every == null || every.isNegative() || every.isZero()) {
        throw new IllegalArgumentException("bundle refresh must be positive, got " + every);
      }
      this.bundleRefresh = every;
      return this;
    }

    /** Values in [0, 1) that pick the jitter; default random. */
    public Builder withJitter(DoubleSupplier jitter) {
      this.jitter = Objects.requireNonNull(jitter, "jitter");
      return this;
    }

    public IdentityProvider build() {
      if (vertx == null || id == null || issuer == null) {
        throw new IllegalStateException(
            "withVertx(..), withIdentity(..) and withIssuer(..) are required");
      }
      return new IdentityProvider(this);
    }
  }
}
