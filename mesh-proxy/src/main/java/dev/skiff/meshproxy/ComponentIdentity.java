package dev.skiff.meshproxy;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.internal.Refusal;
import dev.skiff.meshproxy.spi.CertificateIssuer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A platform component's mesh identity ({@code spiffe://{td}/skiff/{component}}): its {@link
 * IdentityProvider} (key made here, renewed at 70 %, trust bundle refreshed), the client TLS it
 * calls sidecars and other components with ({@link #upstreamTls()}), the listener TLS it serves
 * callers with ({@link #listenerTls()}), the gauge {@value #CERT_EXPIRY} (seconds since the epoch
 * at which its certificate expires, tagged {@code identity}) and the counter {@value #REFUSALS}
 * (callers its listener refused at the handshake, tagged {@code identity} and {@code reason}:
 * {@code no_certificate}, {@code unknown_ca}, {@code expired}, {@code no_identity}, {@code
 * plaintext}, {@code handshake_failed}).
 */
public final class ComponentIdentity {
  public static final String CERT_EXPIRY = "skiff.component.certificate.expiry";
  public static final String REFUSALS = "skiff.component.refusals";

  private final IdentityProvider provider;
  private final MeshUpstreamTls upstream;
  private final MeshListenerTls listener;
  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();

  private ComponentIdentity(Builder b) {
    if (b.id.isWorkload()) {
      throw new IllegalArgumentException(
          b.id + " is a workload identity; a component's is spiffe://{td}/skiff/{component}");
    }
    this.provider =
        b.provider
            .apply(
                IdentityProvider.builder()
                    .withVertx(b.vertx)
                    .withIdentity(b.id)
                    .withIssuer(b.issuer)
                    .withClock(b.clock))
            .build();
    this.registry = b.registry;
    MeshTlsEngine engine = Objects.requireNonNull(b.tlsEngine, "tlsEngine").effective();
    this.upstream = MeshUpstreamTls.of(provider, b.clock, engine);
    Map<Refusal, Counter> refusals = new EnumMap<>(Refusal.class);
    if (registry != null) {
      meters.add(
          Gauge.builder(CERT_EXPIRY, provider, ComponentIdentity::notAfter)
              .description("When the component's certificate expires, in seconds since the epoch")
              .tag("identity", b.id.uri())
              .baseUnit("seconds")
              .register(registry));
      engine.register(registry); // shared by every holder; never removed
      for (Refusal r : Refusal.values()) {
        if (r != Refusal.DENIED_BY_POLICY) { // the component answers those itself (403)
          Counter c =
              Counter.builder(REFUSALS)
                  .description("Callers the component's listener refused at the TLS handshake")
                  .tag("identity", b.id.uri())
                  .tag("reason", r.tag())
                  .register(registry);
          refusals.put(r, c);
          meters.add(c);
        }
      }
    }
    this.listener =
        MeshListenerTls.of(
            provider,
            b.clock,
            engine,
            r -> {
              Counter c = refusals.get(r);
              if (c != null) {
                c.increment();
              }
            });
  }

  public static Builder builder() {
    return new Builder();
  }

  private static double notAfter(IdentityProvider p) {
    Credentials c = p.current();
    return c == null ? Double.NaN : c.notAfter().getEpochSecond();
  }

  /** Obtains the first certificate; the TLS options exist from then on. */
  public Future<ComponentIdentity> start() {
    return provider.start().map(c -> this);
  }

  public SpiffeId id() {
    return provider.id();
  }

  public IdentityProvider provider() {
    return provider;
  }

  /** Client TLS as this component, for its upstream endpoints. */
  public MeshUpstreamTls upstreamTls() {
    return upstream;
  }

  /** Listener TLS as this component (mTLS, client certificate required). */
  public MeshListenerTls listenerTls() {
    return listener;
  }

  /** Stops renewing and removes the meters. */
  public void stop() {
    provider.stop();
    if (registry != null) {
      meters.forEach(registry::remove);
    }
  }

  /** Settings; {@code withVertx}, {@code withIdentity} and {@code withIssuer} are required. */
  public static final class Builder {
    private Vertx vertx;
    private SpiffeId id;
    private CertificateIssuer issuer;
    private MeterRegistry registry;
    private Clock clock = Clock.systemUTC();
    private UnaryOperator<IdentityProvider.Builder> provider = UnaryOperator.identity();
    private MeshTlsEngine tlsEngine = MeshTlsEngine.preferred();

    private Builder() {}

    /**
     * What speaks the component's TLS, as a client and as a listener; default {@link
     * MeshTlsEngine#preferred()} (OpenSSL where it loads).
     */
    public Builder withTlsEngine(MeshTlsEngine engine) {
      this.tlsEngine = Objects.requireNonNull(engine, "engine");
      return this;
    }

    public Builder withVertx(Vertx vertx) {
      this.vertx = Objects.requireNonNull(vertx, "vertx");
      return this;
    }

    /** The component's identity, e.g. {@code SpiffeId.component(td, "gateway")}. */
    public Builder withIdentity(SpiffeId id) {
      this.id = Objects.requireNonNull(id, "id");
      return this;
    }

    public Builder withIssuer(CertificateIssuer issuer) {
      this.issuer = Objects.requireNonNull(issuer, "issuer");
      return this;
    }

    /** Where the expiry gauge and the refusal counters go; default none. */
    public Builder withMeterRegistry(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /** The clock certificates are checked and renewals timed with; default the system clock. */
    public Builder withClock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Further settings of the identity provider (ttl, ticker, jitter, bundle refresh). */
    public Builder withProvider(UnaryOperator<IdentityProvider.Builder> settings) {
      this.provider = Objects.requireNonNull(settings, "settings");
      return this;
    }

    public ComponentIdentity build() {
      if (vertx == null || id == null || issuer == null) {
        throw new IllegalStateException(
            "withVertx(..), withIdentity(..) and withIssuer(..) are required");
      }
      return new ComponentIdentity(this);
    }
  }
}
