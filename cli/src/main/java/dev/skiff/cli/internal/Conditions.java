package dev.skiff.cli.internal;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.Revision;
import java.util.List;
import java.util.Optional;

/** Reading the {@code Ready} condition of services and revisions. */
public final class Conditions {
  private Conditions() {}

  public static Optional<Condition> ready(List<Condition> conditions) {
    return conditions == null
        ? Optional.empty()
        : conditions.stream().filter(c -> "Ready".equals(c.type())).findFirst();
  }

  /** {@code True}, {@code False} or {@code Unknown} (also when the condition is missing). */
  public static String readyStatus(List<Condition> conditions) {
    return ready(conditions).map(Condition::status).orElse("Unknown");
  }

  public static List<Condition> of(Revision r) {
    return r.status() == null ? List.of() : r.status().conditions();
  }

  public static boolean isReady(Revision r) {
    return ready(of(r)).map(Condition::isTrue).orElse(false);
  }
}
