package dev.skiff.cli.internal;

import java.time.Instant;
import java.util.List;

/**
 * The {@code instances} table, like {@code kubectl get pods -o wide}: NAME, REVISION, NODE, STATE,
 * AGE, RESTARTS and the mesh ADDRESS. Every cell comes from the server and is escaped by {@link
 * Table}.
 */
public final class InstanceListView {
  private InstanceListView() {}

  public static Table table(List<Instance> instances, Instant now) {
    Table t = new Table("NAME", "REVISION", "NODE", "STATE", "AGE", "RESTARTS", "ADDRESS");
    for (Instance i : instances) {
      t.row(
          i.name(),
          i.revision(),
          i.node(),
          i.state(),
          i.startedAt() == null ? null : Ages.since(i.startedAt(), now),
          i.restarts(),
          i.address());
    }
    return t;
  }
}
