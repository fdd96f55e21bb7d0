package dev.skiff.controlplane.internal.resources;

import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Service;
import dev.skiff.controlplane.ConflictException;
import dev.skiff.controlplane.NotFoundException;
import dev.skiff.controlplane.spi.Store;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Creates and updates services. A template change makes the next revision, numbered from the
 * service's own {@code latestCreatedRevisionName}: the service is written first, compare-and-set on
 * its mod revision, which reserves the number for exactly one writer (losers re-read and retry);
 * then the revision is written. So concurrent updates neither share nor skip a number. A crash
 * between the two writes leaves a service naming a revision that does not exist yet; {@link
 * RevisionRepair} makes it at the next start.
 */
public final class ServiceWriter {
  private final Repository repo;
  private final TemplateResolver templates;
  private final ServiceStatusResolver statuses;
  private final TrafficCheck traffic;
  private final RevisionNameCheck names;
  private final Clock clock;

  public ServiceWriter(
      Repository repo, TemplateResolver templates, ServiceStatusResolver statuses, Clock clock) {
    this.repo = repo;
    this.templates = templates;
    this.statuses = statuses;
    this.traffic = new TrafficCheck(repo);
    this.names = new RevisionNameCheck(repo);
    this.clock = clock;
  }

  /**
   * Writes a validated service. {@code createOnly} answers 409 if it exists; a given {@code
   * metadata.resourceVersion} must match the stored one.
   */
  public Future<Written<Service>> write(Service incoming, boolean createOnly) {
    return Retry.onConflict(() -> attempt(incoming, createOnly));
  }

  private Future<Written<Service>> attempt(Service incoming, boolean createOnly) {
    ObjectMeta m = incoming.metadata();
    String ns = m.namespaceOrDefault();
    return repo.get(Keys.service(ns, m.name()), Service.class)
        .compose(
            current -> {
              if (current.isPresent() && createOnly) {
                return Future.failedFuture(
                    new ConflictException(
                        "service " + ns + "/" + m.name() + " already exists",
                        "update it with PUT /v1/namespaces/" + ns + "/services/" + m.name()));
              }
              Long expected = m.resourceVersion();
              if (current.isEmpty() && expected != null) {
                // A write based on a version read earlier: the service was deleted since. Creating
                // it again would resurrect what someone else removed.
                return Future.failedFuture(
                    new NotFoundException(
                        "service "
                            + ns
                            + "/"
                            + m.name()
                            + " does not exist, but the update carries metadata.resourceVersion "
                            + expected
                            + " (it was deleted after that version was read)",
                        "to create it again, send the manifest without metadata.resourceVersion"));
              }
              if (current.isPresent()
                  && expected != null
                  && !expected.equals(current.get().metadata().resourceVersion())) {
                return Future.failedFuture(Revisions.stale(expected, current.get()));
              }
              return repo.list(Keys.revisionsOf(ns, m.name()), Revision.class)
                  .compose(revs -> plan(incoming, current, Revisions.of(revs.items(), m.name())));
            });
  }

  private Future<Written<Service>> plan(
      Service incoming, Optional<Service> current, List<Revision> revisions) {
    ObjectMeta m = incoming.metadata();
    String ns = m.namespaceOrDefault();
    RevisionTemplate effective = Revisions.effectiveTemplate(incoming);
    Service cur = current.orElse(null);
    boolean templateChanged = cur == null || !effective.equals(Revisions.effectiveTemplate(cur));
    String latestCreated =
        cur == null || cur.status() == null ? null : cur.status().latestCreatedRevisionName();
    RevisionNaming.Next next =
        RevisionNaming.next(m.name(), effective.name(), latestCreated, revisions);
    String latest = templateChanged ? next.name() : latestCreated;
    Set<String> known = new HashSet<>();
    revisions.forEach(r -> known.add(r.metadata().name()));
    known.add(latest);
    int number = next.number();
    Future<Void> nameFree =
        templateChanged
            ? names.checkFree(ns, m.name(), next.name(), latestCreated, revisions)
            : Future.succeededFuture();
    return nameFree
        .compose(v -> traffic.check(ns, m.name(), incoming.spec().traffic(), known))
        .compose(v -> templateChanged ? templates.resolve(effective) : Future.succeededFuture(null))
        .compose(
            resolved -> {
              Instant now = clock.instant();
              boolean specChanged = cur == null || !incoming.spec().equals(cur.spec());
              long generation =
                  cur == null ? 1 : cur.metadata().generation() + (specChanged ? 1 : 0);
              ObjectMeta meta =
                  new ObjectMeta(
                      m.name(),
                      ns,
                      null,
                      generation,
                      cur == null ? UUID.randomUUID().toString() : cur.metadata().uid(),
                      cur == null ? now : cur.metadata().createdAt(),
                      m.labels(),
                      m.annotations());
              Service svc = Service.of(meta, incoming.spec());
              List<Revision> all = new ArrayList<>(revisions);
              Revision created =
                  resolved == null
                      ? null
                      : Revisions.create(ns, m.name(), latest, number, resolved, now);
              if (created != null) {
                all.removeIf(r -> r.metadata().name().equals(created.metadata().name()));
                all.add(created);
              }
              Service withStatus =
                  svc.withStatus(
                      statuses.resolve(svc, latest, all, cur == null ? null : cur.status(), now));
              long expected = cur == null ? Store.ABSENT : cur.metadata().resourceVersion();
              return save(withStatus, expected, created)
                  .map(saved -> new Written<>(saved, cur == null));
            });
  }

  private Future<Service> save(Service svc, long expected, Revision created) {
    String key = Keys.service(svc.metadata().namespace(), svc.metadata().name());
    Future<Service> saved = repo.put(key, svc, expected, Service.class);
    if (created == null) {
      return saved;
    }
    // The service write reserved the number; a leftover of a deleted namesake may be overwritten.
    String revKey = Keys.revision(created.metadata().namespace(), created.metadata().name());
    return saved.compose(s -> repo.put(revKey, created, Store.ANY, Revision.class).map(s));
  }
}
