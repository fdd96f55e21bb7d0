package dev.skiff.store.etcd.internal;

import dev.skiff.controlplane.CompactedException;
import dev.skiff.controlplane.spi.Entry;
import dev.skiff.controlplane.spi.StoreEvent;
import dev.skiff.controlplane.spi.Watch;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One {@link Watch} on etcd that outlives etcd's troubles. It remembers the last revision it
 * delivered and the keys under its prefix as the consumer knows them, so:
 *
 * <ul>
 *   <li>after a broken stream (etcd restarted, a network cut) it watches again from the revision
 *       after the last one delivered, retrying with backoff until etcd answers: nothing is missed
 *       and nothing delivered twice;
 *   <li>when that history was compacted meanwhile, it lists the prefix and delivers the difference
 *       as if it had watched: a PUT for every key changed since, a DELETE (at the listing's
 *       revision, with the last value it knew) for every key gone, then watches from the listing.
 * </ul>
 *
 * <p>Only the very first start from compacted history fails ({@link CompactedException}): then the
 * consumer has no state the watch could bring up to date. Every field is touched only on the
 * delivery executor, which runs one task at a time.
 */
public final class EtcdWatch implements Watch {
  private static final System.Logger LOG = System.getLogger(EtcdWatch.class.getName());

  private final Client client;
  private final Calls calls;
  private final ScheduledExecutorService timer;
  private final String prefix;
  private final long fromRevision;
  private final Handler<StoreEvent> handler;
  private final Executor executor;
  private final Duration retryMax;
  private final Promise<Void> started = Promise.promise();
  private final Promise<Void> ended = Promise.promise();

  /** The keys under the prefix as the consumer knows them, with their last entries. */
  private final Map<String, Entry> known = new HashMap<>();

  private long lastRevision;
  private boolean listed;
  private final List<StoreEvent> early = new ArrayList<>();
  private io.etcd.jetcd.Watch.Watcher stream;
  private int generation;
  private int failures;
  private volatile boolean cancelled;

  public EtcdWatch(
      Client client,
      Calls calls,
      ScheduledExecutorService timer,
      String prefix,
      long fromRevision,
      Handler<StoreEvent> handler,
      Executor executor,
      Duration retryMax) {
    this.client = client;
    this.calls = calls;
    this.timer = timer;
    this.prefix = prefix;
    this.fromRevision = Math.max(0, fromRevision);
    this.lastRevision = this.fromRevision;
    this.handler = handler;
    this.executor = executor;
    this.retryMax = retryMax;
  }

  /** Opens the stream from the first revision wanted, and reads what the consumer knows. */
  public void start() {
    run(() -> open(lastRevision + 1));
  }

  private void run(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      // the store is closed: nothing more to do
    }
  }

  /** Opens an etcd watch from {@code revision}; its callbacks come back on the executor. */
  private void open(long revision) {
    if (cancelled) {
      return;
    }
    int gen = ++generation;
    WatchOption option =
        WatchOption.builder()
            .isPrefix(true)
            .withRevision(revision)
            .withPrevKV(true)
            .withCreateNotify(true)
            .build();
    stream =
        client
            .getWatchClient()
            .watch(
                Bytes.key(prefix),
                option,
                new io.etcd.jetcd.Watch.Listener() {
                  @Override
                  public void onNext(WatchResponse r) {
                    run(() -> received(gen, r));
                  }

                  @Override
                  public void onError(Throwable t) {
                    run(() -> broken(gen, t));
                  }

                  @Override
                  public void onCompleted() {
                    run(() -> broken(gen, new IllegalStateException("etcd ended the watch")));
                  }
                });
  }

  private void received(int gen, WatchResponse r) {
    if (gen != generation || cancelled) {
      return;
    }
    failures = 0;
    if (r.isCreatedNotify()) {
      if (!listed && known.isEmpty() && !started.future().isComplete()) {
        readKnown();
      }
      return;
    }
    for (WatchEvent e : r.getEvents()) {
      StoreEvent ev = toStoreEvent(e);
      if (listed) {
        deliver(ev);
      } else {
        early.add(ev);
      }
    }
  }

  /**
   * Reads the keys under the prefix at the start revision: what the consumer knows, so a later
   * compaction can be caught up with DELETEs too. etcd keeps the compaction revision itself
   * readable, so when the start is just before it, the state at the compaction revision serves (the
   * replayed events bring it level).
   */
  private void readKnown() {
    long at = Math.max(1, fromRevision);
    get(at)
        .exceptionallyCompose(
            err ->
                isCompacted(err)
                    ? get(at + 1)
                    // a start past etcd's revision: what exists now is what the consumer knows
                    : isFuture(err) ? get(0) : failed(err))
        .whenComplete(
            (r, err) ->
                run(
                    () -> {
                      if (cancelled) {
                        return;
                      }
                      if (err != null) {
                        if (!isCompacted(err)) {
                          fail(calls.translate(err, "read " + prefix + " at revision " + at));
                        }
                        // else the stream reports the compaction itself, with its revision
                        return;
                      }
                      if (fromRevision > 0) {
                        for (KeyValue kv : r.getKvs()) {
                          Entry e = Bytes.entry(kv);
                          known.put(e.key(), e);
                        }
                      }
                      listed = true;
                      started.tryComplete();
                      List<StoreEvent> replay = List.copyOf(early);
                      early.clear();
                      replay.forEach(this::deliver);
                    }));
  }

  private CompletableFuture<GetResponse> get(long revision) {
    return client
        .getKVClient()
        .get(Bytes.key(prefix), GetOption.builder().isPrefix(true).withRevision(revision).build());
  }

  /** Whether {@code err} is etcd's answer to a read of compacted history (a gRPC OUT_OF_RANGE). */
  private static boolean isCompacted(Throwable err) {
    return String.valueOf(Calls.unwrap(err).getMessage())
        .contains("required revision has been compacted");
  }

  private static boolean isFuture(Throwable err) {
    return String.valueOf(Calls.unwrap(err).getMessage())
        .contains("required revision is a future revision");
  }

  private static <T> CompletableFuture<T> failed(Throwable t) {
    return CompletableFuture.failedFuture(t);
  }

  private StoreEvent toStoreEvent(WatchEvent e) {
    KeyValue kv = e.getKeyValue();
    if (e.getEventType() == WatchEvent.EventType.DELETE) {
      KeyValue prev = e.getPrevKV();
      String key = Bytes.key(kv);
      Entry last = known.get(key);
      byte[] value =
          prev != null && prev.getModRevision() > 0
              ? prev.getValue().getBytes()
              : last == null ? new byte[0] : last.value();
      long created =
          prev != null && prev.getModRevision() > 0
              ? prev.getCreateRevision()
              : last == null ? 0 : last.createRevision();
      return new StoreEvent(
          StoreEvent.Type.DELETE, new Entry(key, value, created, kv.getModRevision()));
    }
    return new StoreEvent(StoreEvent.Type.PUT, Bytes.entry(kv));
  }

  /** Hands {@code e} to the consumer unless it was delivered before (a resumed stream). */
  private void deliver(StoreEvent e) {
    if (e.revision() <= lastRevision) {
      return;
    }
    lastRevision = e.revision();
    emit(e);
  }

  private void emit(StoreEvent e) {
    if (cancelled) {
      return;
    }
    if (e.type() == StoreEvent.Type.PUT) {
      known.put(e.entry().key(), e.entry());
    } else {
      known.remove(e.entry().key());
    }
    try {
      handler.handle(e);
    } catch (RuntimeException ex) {
      LOG.log(System.Logger.Level.WARNING, "watch handler failed on " + e.entry().key(), ex);
    }
  }

  private void broken(int gen, Throwable t) {
    if (gen != generation || cancelled) {
      return;
    }
    closeStream();
    Throwable cause = Calls.unwrap(t);
    if (cause instanceof io.etcd.jetcd.common.exception.CompactedException c) {
      if (!listed) {
        fail(new CompactedException(fromRevision, Math.max(0, c.getCompactedRevision() - 1)));
        return;
      }
      LOG.log(
          System.Logger.Level.INFO,
          "watch of {0} fell behind etcd''s compaction at {1}; listing to catch up",
          prefix,
          c.getCompactedRevision());
      catchUp();
      return;
    }
    failures++;
    long delay = Math.min(retryMax.toMillis(), 100L << Math.min(failures, 5));
    LOG.log(
        System.Logger.Level.WARNING,
        "watch of {0} broke after revision {1} ({2}); resuming in {3} ms",
        prefix,
        lastRevision,
        cause.getMessage(),
        delay);
    timer.schedule(() -> run(this::resume), delay, TimeUnit.MILLISECONDS);
  }

  private void resume() {
    if (cancelled) {
      return;
    }
    if (!listed) {
      // the consumer has no state yet: start over, as at first
      known.clear();
      early.clear();
    }
    open(lastRevision + 1);
  }

  /** Lists the prefix and delivers the difference, then watches from the listing's revision. */
  private void catchUp() {
    client
        .getKVClient()
        .get(Bytes.key(prefix), GetOption.builder().isPrefix(true).build())
        .whenComplete(
            (r, err) ->
                run(
                    () -> {
                      if (cancelled) {
                        return;
                      }
                      if (err != null) {
                        broken(generation, err);
                        return;
                      }
                      long at = r.getHeader().getRevision();
                      Map<String, Entry> now = new HashMap<>();
                      List<Entry> changed = new ArrayList<>();
                      for (KeyValue kv : r.getKvs()) {
                        Entry e = Bytes.entry(kv);
                        now.put(e.key(), e);
                        if (e.modRevision() > lastRevision) {
                          changed.add(e);
                        }
                      }
                      List<StoreEvent> out = new ArrayList<>();
                      changed.sort(Comparator.comparingLong(Entry::modRevision));
                      changed.forEach(e -> out.add(new StoreEvent(StoreEvent.Type.PUT, e)));
                      known.values().stream()
                          .filter(e -> !now.containsKey(e.key()))
                          .sorted(Comparator.comparing(Entry::key))
                          .forEach(
                              e ->
                                  out.add(
                                      new StoreEvent(
                                          StoreEvent.Type.DELETE,
                                          new Entry(e.key(), e.value(), e.createRevision(), at))));
                      out.forEach(this::emit);
                      lastRevision = Math.max(lastRevision, at);
                      open(lastRevision + 1);
                    }));
  }

  private void fail(Throwable t) {
    cancelled = true;
    closeStream();
    started.tryFail(t);
    ended.tryFail(t);
  }

  private void closeStream() {
    if (stream != null) {
      try {
        stream.close();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.DEBUG, "closing a watch stream", e);
      }
      stream = null;
    }
    generation++;
  }

  /** The store closed: ends the watch after the events already queued. */
  public void end() {
    run(
        () -> {
          cancelled = true;
          closeStream();
          started.tryFail(
              new dev.skiff.controlplane.StoreClosedException("the etcd store was closed"));
          ended.tryComplete();
        });
  }

  @Override
  public Future<Void> started() {
    return started.future();
  }

  @Override
  public Future<Void> ended() {
    return ended.future();
  }

  @Override
  public void cancel() {
    if (!cancelled) {
      cancelled = true;
      run(
          () -> {
            closeStream();
            ended.tryComplete();
          });
    }
  }
}
