package dev.skiff.controlplane.internal.store;

import dev.skiff.controlplane.StaleRevisionException;
import dev.skiff.controlplane.spi.Entry;
import dev.skiff.controlplane.spi.Store;
import dev.skiff.controlplane.spi.StoreEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a batch of writes does, decided in order before anything touches disk: each condition is
 * checked against the state plus the batch's own earlier writes, and each accepted write takes the
 * next revision. The result is the log records to append, the changes to publish once they are
 * durable, and one reply per write.
 */
final class BatchPlan {
  private static final byte[] EMPTY = new byte[0];

  final List<LogRecord> records = new ArrayList<>();
  final List<StoreEvent> changes = new ArrayList<>();
  final List<Runnable> replies = new ArrayList<>();

  private BatchPlan() {}

  /** Plans {@code writes}. Commit thread only: reads the state without its lock. */
  static BatchPlan of(List<Tasks.Write> writes, StoreState state) {
    BatchPlan plan = new BatchPlan();
    Map<String, Entry> batchView = new HashMap<>();
    long revision = state.revision();
    for (Tasks.Write w : writes) {
      Entry current =
          batchView.containsKey(w.key()) ? batchView.get(w.key()) : state.current(w.key());
      long actual = current == null ? Store.ABSENT : current.modRevision();
      if (w.expected() != Store.ANY && w.expected() != actual) {
        plan.replies.add(() -> w.fail(new StaleRevisionException(w.key(), w.expected(), actual)));
      } else if (w.isPut()) {
        long rev = ++revision;
        Entry e =
            new Entry(w.key(), w.value(), current == null ? rev : current.createRevision(), rev);
        batchView.put(w.key(), e);
        plan.changes.add(new StoreEvent(StoreEvent.Type.PUT, e));
        plan.records.add(new LogRecord(LogRecord.PUT, rev, e.createRevision(), w.key(), w.value()));
        plan.replies.add(() -> w.putReply().succeed(e));
      } else if (current == null) {
        plan.replies.add(() -> w.deleteReply().succeed(false));
      } else {
        long rev = ++revision;
        batchView.put(w.key(), null);
        plan.changes.add(
            new StoreEvent(
                StoreEvent.Type.DELETE,
                new Entry(w.key(), current.value(), current.createRevision(), rev)));
        plan.records.add(
            new LogRecord(LogRecord.DELETE, rev, current.createRevision(), w.key(), EMPTY));
        plan.replies.add(() -> w.deleteReply().succeed(true));
      }
    }
    return plan;
  }
}
