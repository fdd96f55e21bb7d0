package dev.skiff.api.node;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.api.node.v1.RevisionState;
import dev.skiff.api.stats.InvalidStatException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Maps a revision's status as one node's runtime computes it ({@link RevisionStatus}) to its wire
 * form in the node protocol ({@link RevisionState}) and back. Reading checks what a node could get
 * wrong or abuse: statuses other than True, False and Unknown, negative counts, too many or too
 * long conditions.
 */
public final class RevisionStates {
  /** Conditions per revision state on the wire; a runtime writes at most four. */
  public static final int MAX_CONDITIONS = 8;

  /** Characters kept of a condition's message (a longer one is cut, not refused). */
  public static final int MAX_MESSAGE = 1024;

  private static final Set<String> STATUSES = Set.of("True", "False", "Unknown");

  private RevisionStates() {}

  /** The wire form of {@code status} of revision {@code namespace/revision}. */
  public static RevisionState toMessage(String namespace, String revision, RevisionStatus status) {
    RevisionState.Builder b =
        RevisionState.newBuilder()
            .setNamespace(namespace)
            .setRevision(revision)
            .setReadyInstances(orZero(status.readyInstances()))
            .setDesiredInstances(orZero(status.desiredInstances()));
    if (status.imageDigest() != null) {
      b.setImageDigest(status.imageDigest());
    }
    for (Condition c : status.conditions()) {
      var m = dev.skiff.api.node.v1.Condition.newBuilder().setType(c.type()).setStatus(c.status());
      if (c.reason() != null) {
        m.setReason(c.reason());
      }
      if (c.message() != null) {
        m.setMessage(c.message());
      }
      if (c.lastTransitionTime() != null) {
        m.setLastTransitionTime(StatMessages.timestamp(c.lastTransitionTime()));
      }
      b.addConditions(m);
    }
    return b.build();
  }

  /**
   * The status a wire state stands for; fails with {@link InvalidStatException} naming the field
   * when the node sent something no runtime writes.
   */
  public static RevisionStatus fromMessage(RevisionState m) {
    if (m.getNamespace().isEmpty() || m.getRevision().isEmpty()) {
      throw new InvalidStatException(
          "a revision state needs namespace and revision; got '"
              + m.getNamespace()
              + "' and '"
              + m.getRevision()
              + "'");
    }
    if (m.getReadyInstances() < 0 || m.getDesiredInstances() < 0) {
      throw new InvalidStatException(
          "ready_instances and desired_instances must be >= 0, got "
              + m.getReadyInstances()
              + " and "
              + m.getDesiredInstances());
    }
    if (m.getConditionsCount() > MAX_CONDITIONS) {
      throw new InvalidStatException(
          "at most " + MAX_CONDITIONS + " conditions, got " + m.getConditionsCount());
    }
    List<Condition> conditions = new ArrayList<>();
    for (var c : m.getConditionsList()) {
      if (!c.getType().matches("[A-Z][A-Za-z]{0,62}")) {
        throw new InvalidStatException(
            "a condition's type is a CamelCase word, got '" + cut(c.getType(), 64) + "'");
      }
      if (!STATUSES.contains(c.getStatus())) {
        throw new InvalidStatException(
            "condition "
                + c.getType()
                + ": status must be True, False or Unknown, got '"
                + cut(c.getStatus(), 64)
                + "'");
      }
      if (!c.getReason().isEmpty() && !c.getReason().matches("[A-Za-z][A-Za-z0-9]{0,62}")) {
        throw new InvalidStatException(
            "condition "
                + c.getType()
                + ": a reason is a CamelCase word, got '"
                + cut(c.getReason(), 64)
                + "'");
      }
      conditions.add(
          new Condition(
              c.getType(),
              c.getStatus(),
              c.getReason().isEmpty() ? null : c.getReason(),
              c.getMessage().isEmpty() ? null : cut(c.getMessage(), MAX_MESSAGE),
              c.hasLastTransitionTime() ? StatMessages.instant(c.getLastTransitionTime()) : null));
    }
    return new RevisionStatus(
        m.getImageDigest().isEmpty() ? null : cut(m.getImageDigest(), 200),
        m.getDesiredInstances(),
        m.getReadyInstances(),
        conditions);
  }

  private static int orZero(Integer n) {
    return n == null ? 0 : n;
  }

  private static String cut(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "...";
  }
}
