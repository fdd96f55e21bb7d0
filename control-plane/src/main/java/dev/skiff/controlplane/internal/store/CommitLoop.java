package dev.skiff.controlplane.internal.store;

import dev.skiff.controlplane.StoreClosedException;
import dev.skiff.controlplane.StoreException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The single commit thread. Group commit: it takes every write queued while the previous fsync ran,
 * plans them as one {@link BatchPlan}, appends its records as one buffer, fsyncs once, and only
 * then makes the changes visible and acknowledges them. So an acknowledged write is always on disk,
 * and a reader never sees a write that could still be lost.
 */
final class CommitLoop implements Runnable {
  private static final int MAX_BATCH = 4096;

  private final BlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  private final Object submitLock = new Object();
  private boolean accepting = true; // guarded by submitLock
  private volatile String failure;

  private final StoreFiles files;
  private final StoreState state;
  private final Compactor compactor;
  private final BatchWriter writer;
  private final Executor events;
  private final long segmentBytes;
  private final Runnable onStopped;
  private LogSegment segment;

  CommitLoop(
      Recovery.Result recovered,
      StoreFiles files,
      Compactor compactor,
      BatchWriter writer,
      Executor events,
      long segmentBytes,
      Runnable onStopped) {
    this.state = recovered.state();
    this.segment = recovered.activeSegment();
    this.files = files;
    this.compactor = compactor;
    this.writer = writer;
    this.events = events;
    this.segmentBytes = segmentBytes;
    this.onStopped = onStopped;
  }

  /**
   * Queues a {@link Tasks} record; fails it at once when the store is closed or broken. Any thread.
   */
  void submit(Object task) {
    synchronized (submitLock) {
      if (accepting && failure == null) {
        queue.add(task);
        return;
      }
    }
    StoreClosedException closed =
        new StoreClosedException(
            failure == null ? "the store is closed" : "the store stopped after: " + failure);
    if (task instanceof Tasks.Write w) {
      w.fail(closed);
    } else if (task instanceof Tasks.Snapshot s) {
      s.reply().fail(closed);
    } else if (task instanceof Tasks.Stop s) {
      s.reply().succeed(null);
    }
  }

  /** Queues the stop as the last task ever; false if the store was already stopping. Any thread. */
  boolean stop(Tasks.Stop stop) {
    synchronized (submitLock) {
      if (!accepting) {
        return false;
      }
      accepting = false;
      queue.add(stop);
      return true;
    }
  }

  @Override
  public void run() {
    List<Object> batch = new ArrayList<>();
    List<Tasks.Write> writes = new ArrayList<>();
    Tasks.Stop stop = null;
    while (stop == null) {
      batch.add(take());
      queue.drainTo(batch, MAX_BATCH - 1);
      for (Object task : batch) {
        if (task instanceof Tasks.Write w) {
          writes.add(w);
          continue;
        }
        commit(writes);
        if (task instanceof Tasks.Snapshot s) {
          snapshot(s);
        } else if (task instanceof Tasks.Stop s) {
          stop = s;
        }
      }
      commit(writes);
      batch.clear();
      if (failure == null && segment.size() >= segmentBytes && !compactor.busy()) {
        snapshot(new Tasks.Snapshot(false, new Reply<>(events)));
      }
    }
    shutDown(stop);
  }

  private Object take() {
    while (true) {
      try {
        return queue.take();
      } catch (InterruptedException e) {
        // only close() stops this thread
      }
    }
  }

  private void commit(List<Tasks.Write> writes) {
    if (writes.isEmpty()) {
      return;
    }
    if (failure != null) {
      writes.forEach(w -> w.fail(new StoreClosedException("the store stopped after: " + failure)));
      writes.clear();
      return;
    }
    BatchPlan plan = BatchPlan.of(writes, state);
    if (!plan.records.isEmpty()) {
      try {
        writer.append(segment, plan.records);
      } catch (IOException e) {
        // After a failed write or fsync the file's state is unknown: take no more writes.
        failure = e.toString();
        StoreException cause = new StoreException("writing the log failed: " + e.getMessage(), e);
        writes.forEach(w -> w.fail(cause));
        writes.clear();
        return;
      }
      state.apply(plan.changes);
    }
    plan.replies.forEach(Runnable::run);
    writes.clear();
  }

  private void snapshot(Tasks.Snapshot task) {
    if (failure != null) {
      task.reply().fail(new StoreClosedException("the store stopped after: " + failure));
      return;
    }
    try {
      long revision = state.revision();
      if (segment.size() > 0) {
        segment.close();
        segment = LogSegment.open(files.segment(revision + 1));
        files.syncDir();
      }
      var all = state.all();
      if (task.dropHistory()) {
        state.compactHistoryThrough(all.revision());
      }
      compactor.snapshot(all, task.reply());
    } catch (IOException e) {
      failure = e.toString();
      task.reply().fail(new StoreException("rolling the log failed: " + e.getMessage(), e));
    }
  }

  private void shutDown(Tasks.Stop stop) {
    try {
      segment.close();
      compactor.shutdown();
      files.close();
    } catch (IOException e) {
      System.getLogger(CommitLoop.class.getName())
          .log(System.Logger.Level.WARNING, "closing the store", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    state.endWatches();
    stop.reply().succeed(null);
    onStopped.run();
  }
}
