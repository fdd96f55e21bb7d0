package dev.skiff.cli.internal;

import dev.skiff.api.model.Revision;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Small facts about revisions the commands share: names, numbers, order. */
public final class Revisions {
  private static final Pattern SUFFIX = Pattern.compile("-(\\d+)$");

  /** Newest first. */
  public static final Comparator<Revision> NEWEST_FIRST =
      Comparator.comparingInt(Revisions::number).reversed();

  private Revisions() {}

  public static String name(Revision r) {
    return r.metadata() == null ? null : r.metadata().name();
  }

  /**
   * The revision's number, from its spec or else from its {@code -00002} name suffix; 0 if neither.
   */
  public static int number(Revision r) {
    if (r.spec() != null && r.spec().number() > 0) {
      return r.spec().number();
    }
    return numberOf(name(r));
  }

  public static int numberOf(String revisionName) {
    if (revisionName == null) {
      return 0;
    }
    Matcher m = SUFFIX.matcher(revisionName);
    return m.find() ? Integer.parseInt(m.group(1)) : 0;
  }

  public static Optional<Revision> named(List<Revision> revisions, String name) {
    return revisions.stream().filter(r -> name.equals(name(r))).findFirst();
  }
}
