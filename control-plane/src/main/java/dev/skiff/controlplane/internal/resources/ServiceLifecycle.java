package dev.skiff.controlplane.internal.resources;

import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.controlplane.ConflictException;
import dev.skiff.controlplane.NotFoundException;
import dev.skiff.controlplane.spi.Store;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * What happens to services and revisions after they are made: revision status reports (which
 * re-resolve the service's traffic), and deletions that keep traffic pointing at revisions that
 * exist.
 */
public final class ServiceLifecycle {
  private final Repository repo;
  private final ServiceStatusResolver statuses;
  private final Clock clock;

  public ServiceLifecycle(Repository repo, ServiceStatusResolver statuses, Clock clock) {
    this.repo = repo;
    this.statuses = statuses;
    this.clock = clock;
  }

  /** Records what a node observed of a revision, then re-resolves its service's status. */
  public Future<Revision> setRevisionStatus(String ns, String name, RevisionStatus status) {
    String key = Keys.revision(ns, name);
    return Retry.onConflict(
            () ->
                existing(key, Revision.class, "revision " + ns + "/" + name)
                    .compose(
                        r ->
                            repo.put(
                                key,
                                r.withStatus(status),
                                r.metadata().resourceVersion(),
                                Revision.class)))
        .compose(r -> refresh(ns, r.spec().service()).map(r));
  }

  /** Recomputes a service's status from its revisions and writes it if it changed. */
  public Future<Void> refresh(String ns, String service) {
    return refresh(ns, service, UnaryOperator.identity());
  }

  /**
   * Recomputes a service's status as if {@code change} had been made to the stored one first (the
   * rollout controller's rollback); writes it if it changed. {@code change} may be called more than
   * once (on conflicts) and must not be called with a null status: absent statuses are left.
   */
  public Future<Void> refresh(String ns, String service, UnaryOperator<ServiceStatus> change) {
    String key = Keys.service(ns, service);
    return Retry.onConflict(
        () ->
            repo.get(key, Service.class)
                .compose(
                    found -> {
                      if (found.isEmpty()) {
                        return Future.succeededFuture();
                      }
                      Service svc = found.get();
                      return repo.list(Keys.revisionsOf(ns, service), Revision.class)
                          .compose(
                              revs -> {
                                ServiceStatus old = svc.status();
                                String latest =
                                    old == null ? null : old.latestCreatedRevisionName();
                                ServiceStatus now =
                                    statuses.resolve(
                                        svc,
                                        latest,
                                        Revisions.of(revs.items(), service),
                                        old == null ? null : change.apply(old),
                                        clock.instant());
                                if (now.equals(old)) {
                                  return Future.succeededFuture();
                                }
                                return repo.put(
                                        key,
                                        svc.withStatus(now),
                                        svc.metadata().resourceVersion(),
                                        Service.class)
                                    .mapEmpty();
                              });
                    }));
  }

  /** Deletes a revision unless its service still routes traffic to it or it is the latest. */
  public Future<Void> deleteRevision(String ns, String name) {
    String key = Keys.revision(ns, name);
    return Retry.onConflict(
            () ->
                existing(key, Revision.class, "revision " + ns + "/" + name)
                    .compose(
                        rev ->
                            repo.get(Keys.service(ns, rev.spec().service()), Service.class)
                                .compose(
                                    svc -> {
                                      if (svc.isPresent()) {
                                        checkUnused(svc.get(), name);
                                      }
                                      return repo.delete(key, rev.metadata().resourceVersion())
                                          .map(rev);
                                    })))
        .compose(rev -> refresh(ns, rev.spec().service()));
  }

  private static void checkUnused(Service svc, String revision) {
    String path =
        "/v1/namespaces/"
            + svc.metadata().namespaceOrDefault()
            + "/services/"
            + svc.metadata().name()
            + "/traffic";
    ServiceStatus st = svc.status();
    List<TrafficTarget> routed = new ArrayList<>(svc.spec().traffic());
    if (st != null) {
      routed.addAll(st.traffic());
    }
    if (routed.stream().anyMatch(t -> revision.equals(t.revisionName()))) {
      throw new ConflictException(
          "service " + svc.metadata().name() + " routes traffic to revision " + revision,
          "move its traffic to other revisions first: PUT " + path);
    }
    if (st != null && revision.equals(st.latestCreatedRevisionName())) {
      throw new ConflictException(
          "revision " + revision + " is the latest revision of service " + svc.metadata().name(),
          "change the service's template to make a newer revision first, or delete the service");
    }
  }

  /**
   * Deletes a service's revisions, then the service. In that order a crash halfway leaves the
   * service in place, so the client's retried DELETE finishes the job.
   */
  public Future<Void> deleteService(String ns, String name) {
    String key = Keys.service(ns, name);
    return existing(key, Service.class, "service " + ns + "/" + name)
        .compose(svc -> repo.list(Keys.revisionsOf(ns, name), Revision.class))
        .compose(
            revs ->
                Future.all(
                    Revisions.of(revs.items(), name).stream()
                        .map(r -> repo.delete(Keys.revision(ns, r.metadata().name()), Store.ANY))
                        .toList()))
        .compose(v -> repo.delete(key, Store.ANY))
        .mapEmpty();
  }

  private <T extends dev.skiff.api.model.Resource> Future<T> existing(
      String key, Class<T> type, String what) {
    return repo.get(key, type)
        .compose(
            found ->
                found
                    .map(Future::succeededFuture)
                    .orElseGet(
                        () ->
                            Future.failedFuture(
                                new NotFoundException(what + " does not exist", null))));
  }
}
