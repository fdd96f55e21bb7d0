package dev.skiff.controlplane.internal.resources;

import dev.skiff.api.model.Revision;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.api.validation.FieldError;
import dev.skiff.controlplane.InvalidResourceException;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/** Checks that every revision a service's traffic names exists and belongs to that service. */
final class TrafficCheck {
  private final Repository repo;

  TrafficCheck(Repository repo) {
    this.repo = repo;
  }

  /**
   * @param known the service's revisions, including one this write is about to create
   */
  Future<Void> check(String ns, String service, List<TrafficTarget> traffic, Set<String> known) {
    List<Future<Optional<FieldError>>> checks = new ArrayList<>();
    for (int i = 0; i < traffic.size(); i++) {
      TrafficTarget t = traffic.get(i);
      if (t.isLatest() || t.revisionName() == null || known.contains(t.revisionName())) {
        continue;
      }
      String field = "spec.traffic[" + i + "].revisionName";
      String name = t.revisionName();
      String hint = "name one of " + new TreeSet<>(known) + " or use latestRevision: true";
      checks.add(
          repo.get(Keys.revision(ns, name), Revision.class)
              .map(
                  other ->
                      Optional.of(
                          new FieldError(
                              field,
                              other.isPresent()
                                  ? "revision "
                                      + name
                                      + " belongs to service "
                                      + other.get().spec().service()
                                  : "revision " + name + " does not exist",
                              hint))));
    }
    return Future.all(checks)
        .compose(
            all -> {
              List<FieldError> errors = new ArrayList<>();
              for (int i = 0; i < all.size(); i++) {
                Optional<FieldError> e = all.resultAt(i);
                e.ifPresent(errors::add);
              }
              if (errors.isEmpty()) {
                return Future.succeededFuture();
              }
              return Future.failedFuture(
                  new InvalidResourceException(
                      "invalid traffic: " + errors.get(0), errors.get(0).hint(), errors));
            });
  }
}
