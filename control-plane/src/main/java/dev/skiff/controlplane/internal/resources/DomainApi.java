package dev.skiff.controlplane.internal.resources;

import dev.skiff.api.model.DomainMapping;
import dev.skiff.api.model.DomainMappingSpec;
import dev.skiff.api.model.DomainMappingStatus;
import dev.skiff.api.validation.DomainNames;
import dev.skiff.api.validation.ResourceValidator;
import dev.skiff.api.validation.ValidationException;
import dev.skiff.controlplane.BadRequestException;
import dev.skiff.controlplane.ConflictException;
import dev.skiff.controlplane.DomainCertificate;
import dev.skiff.controlplane.InvalidResourceException;
import dev.skiff.controlplane.Listing;
import dev.skiff.controlplane.NotFoundException;
import dev.skiff.controlplane.events.EventLog;
import dev.skiff.controlplane.events.EventNote;
import dev.skiff.controlplane.internal.secrets.CertificatePem;
import dev.skiff.controlplane.internal.secrets.SecretCipher;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.List;
import java.util.function.Supplier;

/**
 * Domain mappings and the certificates served for them. A domain is claimed by one mapping at a
 * time, across namespaces (its store key is the domain alone); names under the cluster's own domain
 * belong to services' hosts and cannot be mapped. Certificates are sealed with the secrets key
 * before they reach the store and are opened only in process, for the gateway.
 */
public final class DomainApi {
  private static final String SOURCE = "control-plane";

  private final Repository repo;
  private final String clusterDomain;
  private final Supplier<Future<SecretCipher>> cipher;
  private final EventLog events;
  private final Clock clock;
  private final ObjectWriter<DomainMapping> mappings;
  private final SealedStore sealed;

  public DomainApi(
      Repository repo,
      String clusterDomain,
      Supplier<Future<SecretCipher>> cipher,
      EventLog events,
      Clock clock) {
    this.repo = repo;
    this.clusterDomain = clusterDomain;
    this.cipher = cipher;
    this.events = events;
    this.clock = clock;
    this.mappings = new ObjectWriter<>(repo, DomainMapping.class, DomainMapping::spec, clock);
    this.sealed = new SealedStore(repo, cipher, clock);
  }

  public Future<Written<DomainMapping>> writeMapping(DomainMapping d, boolean createOnly) {
    try {
      ResourceValidator.validate(d);
    } catch (ValidationException e) {
      return Future.failedFuture(
          new InvalidResourceException(
              e.getMessage(), "fix the fields listed in details and send it again", e.errors()));
    }
    String domain = d.domain();
    String ns = d.metadata().namespaceOrDefault();
    if (domain.equals(clusterDomain) || domain.endsWith("." + clusterDomain)) {
      return Future.failedFuture(
          new ConflictException(
              "domain "
                  + domain
                  + " is under the cluster domain "
                  + clusterDomain
                  + ", whose names are services' own hosts",
              "map a name outside " + clusterDomain + "; services already answer on theirs"));
    }
    return repo.get(Keys.domainMapping(domain), DomainMapping.class)
        .compose(
            found -> {
              DomainMapping cur = found.orElse(null);
              if (cur != null && !cur.metadata().namespaceOrDefault().equals(ns)) {
                return Future.failedFuture(claimed(cur));
              }
              if (cur != null && createOnly) {
                return Future.failedFuture(claimed(cur));
              }
              DomainMappingStatus status =
                  cur != null
                          && cur.status() != null
                          && cur.spec().tlsOrDefault().equals(d.spec().tlsOrDefault())
                      ? cur.status()
                      : initialStatus(d.spec());
              DomainMapping toWrite =
                  d.withMetadata(d.metadata().withNamespace(ns)).withStatus(status);
              return mappings.write(Keys.domainMapping(domain), toWrite, createOnly);
            })
        .onSuccess(
            w ->
                events.record(
                    EventNote.normal(
                        ns,
                        DomainMapping.KIND,
                        domain,
                        d.spec().service(),
                        w.created() ? "DomainMapped" : "DomainMappingChanged",
                        "domain "
                            + domain
                            + " maps to service "
                            + d.spec().service()
                            + (d.spec().tag() == null ? "" : " tag " + d.spec().tag())
                            + " (tls "
                            + d.spec().tlsOrDefault()
                            + ")",
                        SOURCE)));
  }

  private static DomainMappingStatus initialStatus(DomainMappingSpec spec) {
    return DomainMappingSpec.TLS_NONE.equals(spec.tlsOrDefault())
        ? null
        : new DomainMappingStatus(DomainMappingStatus.PENDING, null, null, null, 0);
  }

  private static ConflictException claimed(DomainMapping cur) {
    String ns = cur.metadata().namespaceOrDefault();
    return new ConflictException(
        "domain "
            + cur.domain()
            + " is already mapped to service "
            + cur.spec().service()
            + " in namespace "
            + ns
            + "; a domain is claimed by one mapping at a time",
        "change that mapping (skiff domain map "
            + cur.domain()
            + " SERVICE -n "
            + ns
            + "), or delete it first (skiff domain delete "
            + cur.domain()
            + " -n "
            + ns
            + ")");
  }

  public Future<DomainMapping> mapping(String ns, String domain) {
    return repo.get(Keys.domainMapping(domain), DomainMapping.class)
        .compose(
            found ->
                found.isPresent() && found.get().metadata().namespaceOrDefault().equals(ns)
                    ? Future.succeededFuture(found.get())
                    : Future.failedFuture(notFound(ns, domain)));
  }

  /** Every mapping, or those of namespace {@code ns} when it is not null. */
  public Future<List<DomainMapping>> mappings(String ns) {
    return repo.list(Keys.DOMAIN_MAPPINGS, DomainMapping.class)
        .map(Listing::items)
        .map(
            l ->
                ns == null
                    ? l
                    : l.stream()
                        .filter(d -> d.metadata().namespaceOrDefault().equals(ns))
                        .toList());
  }

  /** Deletes the mapping and the certificate served for its domain. */
  public Future<Void> deleteMapping(String ns, String domain) {
    return mapping(ns, domain)
        .compose(d -> mappings.delete(Keys.domainMapping(domain), "domain mapping " + domain))
        .compose(v -> sealed.deleteCertificate(domain))
        .map(
            deleted -> {
              events.record(
                  EventNote.normal(
                      ns,
                      DomainMapping.KIND,
                      domain,
                      null,
                      "DomainUnmapped",
                      "domain " + domain + " is no longer mapped",
                      SOURCE));
              return null;
            });
  }

  /** Replaces a mapping's status (the certificate's state), unless the mapping is gone. */
  public Future<Void> setStatus(String domain, DomainMappingStatus status) {
    return Retry.onConflict(
        () ->
            repo.get(Keys.domainMapping(domain), DomainMapping.class)
                .compose(
                    found -> {
                      if (found.isEmpty()) {
                        return Future.succeededFuture();
                      }
                      DomainMapping cur = found.get();
                      return repo.put(
                              Keys.domainMapping(domain),
                              cur.withStatus(status),
                              cur.metadata().resourceVersion(),
                              DomainMapping.class)
                          .<Void>mapEmpty();
                    }));
  }

  /**
   * Stores a certificate uploaded for a mapped domain (mapped with {@code tls: files}) and marks
   * the mapping ready.
   */
  public Future<DomainMapping> uploadCertificate(
      String ns, String domain, String chainPem, String keyPem) {
    return mapping(ns, domain)
        .compose(
            d -> {
              if (!DomainMappingSpec.TLS_FILES.equals(d.spec().tlsOrDefault())) {
                return Future.failedFuture(
                    new ConflictException(
                        "domain "
                            + domain
                            + " is mapped with tls "
                            + d.spec().tlsOrDefault()
                            + ", not files",
                        "map it with --tls files (or --cert FILE --key FILE) to upload a"
                            + " certificate"));
              }
              DomainCertificate c;
              try {
                c =
                    CertificatePem.read(
                        domain, chainPem, keyPem, DomainCertificate.FILES, clock.instant());
              } catch (BadRequestException e) {
                return Future.failedFuture(e);
              }
              return sealed
                  .storeCertificate(c)
                  .compose(
                      v ->
                          setStatus(
                              domain,
                              new DomainMappingStatus(
                                  DomainMappingStatus.READY, null, c.notAfter(), null, 0)))
                  .compose(v -> mapping(ns, domain))
                  .onSuccess(
                      x ->
                          events.record(
                              EventNote.normal(
                                  ns,
                                  DomainMapping.KIND,
                                  domain,
                                  d.spec().service(),
                                  "CertificateStored",
                                  "certificate for "
                                      + domain
                                      + " uploaded, valid until "
                                      + c.notAfter(),
                                  SOURCE)));
            });
  }

  /** Stores a wildcard or host certificate not tied to a mapping (admin only over the API). */
  public Future<DomainCertificate> uploadClusterCertificate(
      String name, String chainPem, String keyPem) {
    String problem = DomainNames.problem(name, true);
    if (problem != null) {
      return Future.failedFuture(
          BadRequestException.of("name", problem, DomainNames.HINT + ", or *.example.com"));
    }
    DomainCertificate c;
    try {
      c = CertificatePem.read(name, chainPem, keyPem, DomainCertificate.FILES, clock.instant());
    } catch (BadRequestException e) {
      return Future.failedFuture(e);
    }
    return sealed.storeCertificate(c).map(c);
  }

  /** The sealed certificates and private values. */
  public SealedStore sealed() {
    return sealed;
  }

  /** Records an event about a domain, for the ACME issuer. */
  public void record(EventNote note) {
    events.record(note);
  }

  private static NotFoundException notFound(String ns, String domain) {
    return new NotFoundException(
        "domain " + domain + " is not mapped in namespace " + ns,
        "map it with skiff domain map "
            + domain
            + " SERVICE -n "
            + ns
            + " (skiff domain list"
            + " shows the mappings)");
  }
}
