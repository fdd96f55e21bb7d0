package dev.skiff.controlplane.internal.resources;

import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import dev.skiff.controlplane.spi.Store;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.List;

/**
 * Finishes what a crash interrupted: a service written with a new {@code latestCreatedRevisionName}
 * whose revision write never happened. Runs once when the control plane starts.
 */
public final class RevisionRepair {
  private final Repository repo;
  private final TemplateResolver templates;
  private final Clock clock;

  public RevisionRepair(Repository repo, TemplateResolver templates, Clock clock) {
    this.repo = repo;
    this.templates = templates;
    this.clock = clock;
  }

  public Future<Void> run() {
    return repo.list(Keys.SERVICES, Service.class)
        .compose(
            l ->
                Future.all(
                    l.items().stream()
                        .filter(
                            s ->
                                s.status() != null
                                    && s.status().latestCreatedRevisionName() != null)
                        .map(this::repair)
                        .toList()))
        .mapEmpty();
  }

  private Future<Void> repair(Service s) {
    String ns = s.metadata().namespaceOrDefault();
    String name = s.status().latestCreatedRevisionName();
    String key = Keys.revision(ns, name);
    return repo.get(key, Revision.class)
        .compose(
            found ->
                found.isPresent()
                    ? Future.<Void>succeededFuture()
                    : repo.list(Keys.revisionsOf(ns, s.metadata().name()), Revision.class)
                        .compose(
                            listed -> {
                              List<Revision> revisions =
                                  Revisions.of(listed.items(), s.metadata().name());
                              int number = RevisionNaming.numberOf(name, revisions);
                              int n =
                                  number == RevisionNaming.UNKNOWN
                                      ? RevisionNaming.nextNumber(revisions)
                                      : number;
                              return templates
                                  .resolve(Revisions.effectiveTemplate(s))
                                  .compose(
                                      t ->
                                          repo.put(
                                              key,
                                              Revisions.create(
                                                  ns,
                                                  s.metadata().name(),
                                                  name,
                                                  n,
                                                  t,
                                                  clock.instant()),
                                              Store.ABSENT,
                                              Revision.class));
                            })
                        .mapEmpty());
  }
}
