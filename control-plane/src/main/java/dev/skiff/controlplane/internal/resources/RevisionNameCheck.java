package dev.skiff.controlplane.internal.resources;

import dev.skiff.api.model.Revision;
import dev.skiff.api.validation.FieldError;
import dev.skiff.controlplane.ConflictException;
import io.vertx.core.Future;
import java.util.List;

/**
 * Knative's rule for a revision name the user chose: a new template needs a new name. A name that
 * an existing revision has (of this service or, in the same namespace, another) is a conflict that
 * says which revision holds it.
 */
final class RevisionNameCheck {
  static final String FIELD = "spec.template.name";

  private final Repository repo;

  RevisionNameCheck(Repository repo) {
    this.repo = repo;
  }

  /**
   * Succeeds when a revision named {@code name} may be made for {@code service}.
   *
   * @param latestCreated the service's newest revision, whose template the new one differs from
   * @param revisions the service's revisions that exist
   */
  Future<Void> checkFree(
      String ns, String service, String name, String latestCreated, List<Revision> revisions) {
    String hint =
        "give the new template a new name in spec.template.metadata.name (Knative) or"
            + " spec.template.name, e.g. "
            + service
            + "-v2, or leave it out to let Skiff name the revision";
    if (name.equals(latestCreated) || revisions.stream().anyMatch(r -> isNamed(r, name))) {
      String which = name.equals(latestCreated) ? "the latest revision" : "an earlier revision";
      return conflict(
          "revision "
              + name
              + " already exists as "
              + which
              + " of service "
              + service
              + ", made from a different template; a changed template needs a new revision name",
          hint);
    }
    return repo.get(Keys.revision(ns, name), Revision.class)
        .compose(
            other ->
                other.isEmpty() || service.equals(other.get().spec().service())
                    ? Future.<Void>succeededFuture()
                    : conflict(
                        "revision "
                            + name
                            + " already exists in namespace "
                            + ns
                            + " and belongs to service "
                            + other.get().spec().service(),
                        hint));
  }

  private static boolean isNamed(Revision r, String name) {
    return name.equals(r.metadata().name());
  }

  private static Future<Void> conflict(String message, String hint) {
    return Future.failedFuture(
        new ConflictException(message, hint, List.of(new FieldError(FIELD, message, hint))));
  }
}
