package dev.skiff.ingress.internal;

import dev.skiff.api.model.DomainMapping;
import dev.skiff.api.model.DomainMappingSpec;
import dev.skiff.api.model.DomainMappingStatus;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.controlplane.DomainCertificate;
import dev.skiff.controlplane.events.EventNote;
import dev.skiff.gateway.TlsCertificates;
import dev.skiff.ingress.spi.CertificateIssuer;
import dev.skiff.ingress.spi.DomainStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * Keeps the gateway's certificates: serves what the store holds (and every change to it), and for
 * each domain mapped with {@code tls: auto} asks the issuer for a certificate, then renews it at
 * two thirds of its lifetime, backing off after failures. A failure never takes away the
 * certificate being served. State is confined to one Vert.x context; the issuer runs on workers,
 * one order per domain at a time.
 */
public final class Renewals {
  private static final System.Logger LOG = System.getLogger(Renewals.class.getName());
  private static final String SOURCE = "ingress";
  private static final String KEY_PREFIX = "/skiff/domainmappings/";

  /** What is known of one ACME domain. */
  private static final class Tracked {
    final String namespace;
    final String service;
    long timer = -1;
    boolean inFlight;
    int failures;
    boolean hadCertificate;

    Tracked(String namespace, String service) {
      this.namespace = namespace;
      this.service = service;
    }
  }

  private final Vertx vertx;
  private final Context context;
  private final DomainStore store;
  private final TlsCertificates certificates;
  private final CertificateIssuer issuer;
  private final String noIssuerReason;
  private final RenewalPolicy policy;
  private final Clock clock;
  private final CertificateMetrics metrics;
  private final Map<String, Tracked> tracked = new HashMap<>();

  /**
   * @param issuer null when no ACME server is configured; {@code tls: auto} domains then fail with
   *     {@code noIssuerReason}
   */
  public Renewals(
      Vertx vertx,
      DomainStore store,
      TlsCertificates certificates,
      CertificateIssuer issuer,
      String noIssuerReason,
      RenewalPolicy policy,
      Clock clock,
      CertificateMetrics metrics) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.store = store;
    this.certificates = certificates;
    this.issuer = issuer;
    this.noIssuerReason = noIssuerReason;
    this.policy = policy;
    this.clock = clock;
    this.metrics = metrics;
  }

  /** Serves every stored certificate, and from now on every stored or deleted one. */
  public Future<Void> start() {
    store.onCertificateChange(name -> context.runOnContext(v -> reload(name)));
    return store
        .certificates()
        .map(
            all -> {
              all.forEach(this::serve);
              return null;
            });
  }

  private void reload(String name) {
    store
        .certificate(name)
        .onSuccess(
            c -> {
              if (c.isPresent()) {
                serve(c.get());
              } else {
                certificates.remove(name);
                metrics.removed(name);
              }
            })
        .onFailure(e -> LOG.log(Level.WARNING, "cannot load the certificate of " + name, e));
  }

  private void serve(DomainCertificate c) {
    certificates.put(c.name(), c.key(), c.chain());
    metrics.served(c.name(), c.notAfter());
  }

  /** Applies a DomainMapping change of the watch; any thread. */
  public void onResourceEvent(ResourceEvent event) {
    if (!DomainMapping.KIND.equals(event.kind())
        || event.key() == null
        || !event.key().startsWith(KEY_PREFIX)) {
      return;
    }
    String domain = event.key().substring(KEY_PREFIX.length());
    DomainMapping d =
        event.type() == ResourceEvent.Type.PUT && event.object() != null
            ? (DomainMapping) event.resource()
            : null;
    context.runOnContext(v -> apply(domain, d));
  }

  private void apply(String domain, DomainMapping d) {
    boolean auto = d != null && DomainMappingSpec.TLS_AUTO.equals(d.spec().tlsOrDefault());
    Tracked t = tracked.get(domain);
    if (!auto) {
      if (t != null) {
        vertx.cancelTimer(t.timer);
        tracked.remove(domain);
        metrics.forget(domain);
      }
      return;
    }
    if (t != null) {
      return; // already kept; this is most likely our own status write coming back
    }
    t = new Tracked(d.metadata().namespaceOrDefault(), d.spec().service());
    tracked.put(domain, t);
    Tracked kept = t;
    store
        .certificate(domain)
        .onComplete(
            ar -> {
              DomainCertificate c =
                  ar.succeeded() && ar.result().isPresent() ? ar.result().get() : null;
              if (tracked.get(domain) != kept) {
                return;
              }
              Instant now = clock.instant();
              if (c != null && now.isBefore(RenewalPolicy.renewAt(c.notBefore(), c.notAfter()))) {
                kept.hadCertificate = true;
                Instant renewAt = RenewalPolicy.renewAt(c.notBefore(), c.notAfter());
                status(domain, DomainMappingStatus.READY, null, c.notAfter(), renewAt, 0);
                schedule(domain, kept, renewAt);
              } else {
                kept.hadCertificate = c != null;
                issue(domain, kept, c);
              }
            });
  }

  private void schedule(String domain, Tracked t, Instant at) {
    vertx.cancelTimer(t.timer);
    long delay = Math.max(1, Duration.between(clock.instant(), at).toMillis());
    t.timer =
        vertx.setTimer(
            delay,
            id ->
                context.runOnContext(
                    v -> {
                      if (tracked.get(domain) == t) {
                        store
                            .certificate(domain)
                            .onComplete(
                                ar ->
                                    issue(
                                        domain,
                                        t,
                                        ar.result() == null ? null : ar.result().orElse(null)));
                      }
                    }));
  }

  private void issue(String domain, Tracked t, DomainCertificate current) {
    if (t.inFlight || tracked.get(domain) != t) {
      return;
    }
    Instant notAfter = current == null ? null : current.notAfter();
    if (issuer == null) {
      status(domain, DomainMappingStatus.FAILED, noIssuerReason, notAfter, null, 0);
      return;
    }
    if (current == null) {
      status(domain, DomainMappingStatus.PENDING, null, null, null, t.failures);
    }
    t.inFlight = true;
    vertx
        .executeBlocking(() -> issuer.issue(domain), false)
        .compose(c -> store.store(c).map(c))
        .onComplete(
            ar -> {
              t.inFlight = false;
              if (tracked.get(domain) != t) {
                return;
              }
              if (ar.succeeded()) {
                issued(domain, t, ar.result());
              } else {
                failed(domain, t, notAfter, ar.cause());
              }
            });
  }

  private void issued(String domain, Tracked t, DomainCertificate c) {
    metrics.issued();
    serve(c); // at once; the store's change notice serves it again, harmlessly
    boolean renewal = t.hadCertificate;
    t.hadCertificate = true;
    t.failures = 0;
    Instant renewAt = RenewalPolicy.renewAt(c.notBefore(), c.notAfter());
    store.record(
        EventNote.normal(
            t.namespace,
            DomainMapping.KIND,
            domain,
            t.service,
            renewal ? "CertificateRenewed" : "CertificateIssued",
            "certificate for "
                + domain
                + " valid until "
                + c.notAfter()
                + ", renewal at "
                + renewAt,
            SOURCE));
    status(domain, DomainMappingStatus.READY, null, c.notAfter(), renewAt, 0);
    schedule(domain, t, renewAt);
  }

  private void failed(String domain, Tracked t, Instant notAfter, Throwable cause) {
    metrics.failed();
    t.failures++;
    Instant retryAt = clock.instant().plus(policy.backoff(t.failures));
    String reason = cause.getMessage() == null ? cause.toString() : cause.getMessage();
    LOG.log(Level.WARNING, "no certificate for {0} (attempt {1}): {2}", domain, t.failures, reason);
    store.record(
        EventNote.warning(
            t.namespace,
            DomainMapping.KIND,
            domain,
            t.service,
            "CertificateFailed",
            "no certificate for "
                + domain
                + " (attempt "
                + t.failures
                + "): "
                + reason
                + "; retrying at "
                + retryAt
                + (notAfter == null ? "" : "; the current certificate is served until " + notAfter),
            SOURCE));
    // The event before the status: whoever sees the status finds the event already recorded.
    status(domain, DomainMappingStatus.FAILED, reason, notAfter, retryAt, t.failures);
    schedule(domain, t, retryAt);
  }

  private void status(
      String domain, String state, String reason, Instant notAfter, Instant renewAt, int failures) {
    metrics.state(domain, state);
    store
        .setStatus(domain, new DomainMappingStatus(state, reason, notAfter, renewAt, failures))
        .onFailure(e -> LOG.log(Level.WARNING, "cannot write the status of " + domain, e));
  }

  /** Stops every timer. */
  public void close() {
    context.runOnContext(
        v -> {
          tracked.values().forEach(t -> vertx.cancelTimer(t.timer));
          tracked.clear();
        });
  }
}
