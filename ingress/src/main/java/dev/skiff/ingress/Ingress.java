package dev.skiff.ingress;

import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.gateway.AcmeChallenges;
import dev.skiff.gateway.TlsCertificates;
import dev.skiff.ingress.internal.Acme4jIssuer;
import dev.skiff.ingress.internal.CertificateMetrics;
import dev.skiff.ingress.internal.RenewalPolicy;
import dev.skiff.ingress.internal.Renewals;
import dev.skiff.ingress.spi.CertificateIssuer;
import dev.skiff.ingress.spi.DomainStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import org.shredzone.acme4j.util.KeyPairUtils;

/**
 * The gateway's certificates: every certificate in the store is served by the gateway's HTTPS
 * listener (and every change to them, without a restart); domains mapped with {@code tls: auto} get
 * theirs from the ACME server, renewed at two thirds of their lifetime, with backoff after
 * failures. Feed every watch event to {@link #onResourceEvent}.
 */
public final class Ingress {
  /** Where the ACME account key is sealed, per directory URL. */
  static final String ACCOUNT_KEY_PREFIX = "acme-account-";

  private final Builder b;
  private Renewals renewals;

  private Ingress(Builder b) {
    this.b = b;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Loads the stored certificates into the gateway and, with ACME, the account key. */
  public Future<Ingress> start() {
    CertificateMetrics metrics = new CertificateMetrics(b.registry);
    RenewalPolicy policy = new RenewalPolicy(b.minBackoff, b.maxBackoff);
    Future<CertificateIssuer> issuer =
        b.issuer != null
            ? Future.succeededFuture(b.issuer)
            : b.acme == null ? Future.succeededFuture(null) : acmeIssuer();
    return issuer
        .compose(
            i -> {
              renewals =
                  new Renewals(
                      b.vertx,
                      b.store,
                      b.certificates,
                      i,
                      "no ACME server is configured: start skiffd with --acme-directory URL, or map"
                          + " the domain with --cert FILE --key FILE",
                      policy,
                      b.clock,
                      metrics);
              return renewals.start();
            })
        .map(v -> this);
  }

  private Future<CertificateIssuer> acmeIssuer() {
    String name = ACCOUNT_KEY_PREFIX + sha256(b.acme.directory().toString());
    return b.store
        .privateValue(name)
        .compose(
            found -> {
              if (found.isPresent()) {
                return Future.succeededFuture(readKeyPair(found.get()));
              }
              KeyPair kp = Acme4jIssuer.newAccountKey();
              return b.store.putPrivateValue(name, writeKeyPair(kp)).map(kp);
            })
        .map(kp -> (CertificateIssuer) new Acme4jIssuer(b.acme, kp, b.challenges));
  }

  /** Applies a change of the control plane's watch (DomainMappings; others are ignored). */
  public void onResourceEvent(ResourceEvent event) {
    Renewals r = renewals;
    if (r != null) {
      r.onResourceEvent(event);
    }
  }

  public void close() {
    Renewals r = renewals;
    if (r != null) {
      r.close();
    }
  }

  private static String sha256(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] writeKeyPair(KeyPair kp) {
    StringWriter w = new StringWriter();
    try {
      KeyPairUtils.writeKeyPair(kp, w);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return w.toString().getBytes(StandardCharsets.US_ASCII);
  }

  private static KeyPair readKeyPair(byte[] pem) {
    Acme4jIssuer.init();
    try {
      return KeyPairUtils.readKeyPair(new StringReader(new String(pem, StandardCharsets.US_ASCII)));
    } catch (IOException e) {
      throw new IngressException("the stored ACME account key is unreadable", e);
    }
  }

  /**
   * Settings of the ingress; {@code withVertx}, {@code withStore}, {@code withCertificates} are
   * required, and {@code withChallenges} with ACME.
   */
  public static final class Builder {
    private Vertx vertx;
    private DomainStore store;
    private TlsCertificates certificates;
    private AcmeChallenges challenges;
    private AcmeSettings acme;
    private CertificateIssuer issuer;
    private MeterRegistry registry = new SimpleMeterRegistry();
    private Clock clock = Clock.systemUTC();
    private Duration minBackoff = Duration.ofMinutes(1);
    private Duration maxBackoff = Duration.ofHours(6);

    private Builder() {}

    public Builder withVertx(Vertx vertx) {
      this.vertx = Objects.requireNonNull(vertx, "vertx");
      return this;
    }

    public Builder withStore(DomainStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /** The gateway's certificates, kept in step with the store. */
    public Builder withCertificates(TlsCertificates certificates) {
      this.certificates = Objects.requireNonNull(certificates, "certificates");
      return this;
    }

    /** Where HTTP-01 challenges are put for the gateway to answer. */
    public Builder withChallenges(AcmeChallenges challenges) {
      this.challenges = Objects.requireNonNull(challenges, "challenges");
      return this;
    }

    /** Issues certificates for {@code tls: auto} domains by ACME. Default none. */
    public Builder withAcme(AcmeSettings acme) {
      this.acme = Objects.requireNonNull(acme, "acme");
      return this;
    }

    /** Another issuer instead of ACME (tests). */
    public Builder withIssuer(CertificateIssuer issuer) {
      this.issuer = Objects.requireNonNull(issuer, "issuer");
      return this;
    }

    public Builder withMeterRegistry(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    public Builder withClock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Retry after the first failure; doubles per failure up to {@code max}. Default 1 min, 6 h. */
    public Builder withBackoff(Duration min, Duration max) {
      if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
        throw new IllegalArgumentException(
            "backoff needs 0 < min <= max, got " + min + " and " + max);
      }
      this.minBackoff = min;
      this.maxBackoff = max;
      return this;
    }

    public Ingress build() {
      Objects.requireNonNull(vertx, "withVertx(..) is required");
      Objects.requireNonNull(store, "withStore(..) is required");
      Objects.requireNonNull(certificates, "withCertificates(..) is required");
      if ((acme != null || issuer != null) && challenges == null) {
        throw new IllegalStateException("withChallenges(..) is required with ACME");
      }
      return new Ingress(this);
    }
  }
}
