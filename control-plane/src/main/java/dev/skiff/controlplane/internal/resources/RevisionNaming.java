package dev.skiff.controlplane.internal.resources;

import dev.skiff.api.model.Revision;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names and numbers of a service's revisions. Skiff names a revision {@code {service}-00001, ...}
 * unless the template names it ({@code {service}-{suffix}}, Knative's {@code
 * spec.template.metadata.name}); either way each revision has an ordinal, one more than the highest
 * the service has had, so "newest" means the same for both kinds of name.
 */
final class RevisionNaming {
  private static final Pattern GENERATED = Pattern.compile("-(\\d{5,})$");

  /** The ordinal of a revision whose number is not known. */
  static final int UNKNOWN = Integer.MAX_VALUE;

  private RevisionNaming() {}

  /**
   * The ordinal of {@code name}: the listed revision's own, else the digits of a generated name; 0
   * for null, {@link #UNKNOWN} for a chosen name not among {@code revisions}.
   */
  static int numberOf(String name, List<Revision> revisions) {
    if (name == null) {
      return 0;
    }
    for (Revision r : revisions) {
      if (name.equals(r.metadata().name())) {
        return r.spec().number();
      }
    }
    Matcher m = GENERATED.matcher(name);
    return m.find() ? Integer.parseInt(m.group(1)) : UNKNOWN;
  }

  /** One more than the highest ordinal among {@code revisions}. */
  static int nextNumber(List<Revision> revisions) {
    return revisions.stream().mapToInt(r -> r.spec().number()).max().orElse(0) + 1;
  }

  /** The name and ordinal of a revision about to be made. */
  record Next(String name, int number) {}

  /**
   * The next revision of {@code service}: named {@code chosen} if the template names it, else
   * {@code {service}-NNNNN} for the first ordinal after {@code latestCreated} and every listed
   * revision whose generated name no revision has taken (a user may have chosen {@code hello-00002}
   * for an earlier one).
   */
  static Next next(String service, String chosen, String latestCreated, List<Revision> revisions) {
    int latest = numberOf(latestCreated, revisions);
    int n = latest == UNKNOWN ? 0 : latest;
    Set<String> taken = new HashSet<>();
    for (Revision r : revisions) {
      n = Math.max(n, r.spec().number());
      taken.add(r.metadata().name());
    }
    if (latestCreated != null) {
      taken.add(latestCreated);
    }
    n++;
    if (chosen != null) {
      return new Next(chosen, n);
    }
    while (taken.contains(Revision.nameFor(service, n))) {
      n++;
    }
    return new Next(Revision.nameFor(service, n), n);
  }
}
