package dev.skiff.store.etcd;

import dev.skiff.controlplane.Listing;
import dev.skiff.controlplane.PayloadTooLargeException;
import dev.skiff.controlplane.StaleRevisionException;
import dev.skiff.controlplane.StoreClosedException;
import dev.skiff.controlplane.spi.Entry;
import dev.skiff.controlplane.spi.Leadership;
import dev.skiff.controlplane.spi.Store;
import dev.skiff.controlplane.spi.StoreEvent;
import dev.skiff.controlplane.spi.Watch;
import dev.skiff.store.etcd.internal.Bytes;
import dev.skiff.store.etcd.internal.Calls;
import dev.skiff.store.etcd.internal.EtcdCampaign;
import dev.skiff.store.etcd.internal.EtcdWatch;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The {@link Store} on etcd. The SPI's model is etcd's, so it maps one to one: a key is an etcd key
 * (under an optional namespace), an entry's create and mod revisions are etcd's {@code
 * create_revision} and {@code mod_revision}, the store revision is etcd's header revision, and a
 * conditional write is one transaction comparing the key's {@code mod_revision} (0 for {@link
 * Store#ABSENT}, as etcd reports for a missing key). A failed comparison reads the key in the same
 * transaction, so the {@link StaleRevisionException} names the revision that won.
 *
 * <p>Differences from the embedded store: a new etcd starts at revision 1, not 0; a value may hold
 * at most {@link Builder#withMaxValueBytes} bytes (etcd refuses requests over 1.5 MiB by default);
 * and watches survive etcd restarts and compactions by themselves (see {@link EtcdWatch}).
 *
 * <pre>{@code
 * EtcdStore store = EtcdStore.builder().withUrl("etcd://127.0.0.1:2379").build();
 * }</pre>
 */
public final class EtcdStore implements Store {
  /** A value's default size limit: 1 MiB, under etcd's default request limit of 1.5 MiB. */
  public static final int DEFAULT_MAX_VALUE_BYTES = 1 << 20;

  private static final ByteSequence NOWHERE = ByteSequence.from(new byte[] {0});

  private final Client client;
  private final KV kv;
  private final String endpoints;
  private final int maxValueBytes;
  private final ExecutorService events;
  private final ScheduledExecutorService timer;
  private final Calls calls;
  private final Set<EtcdWatch> watches = ConcurrentHashMap.newKeySet();
  private final Set<EtcdCampaign> campaigns = ConcurrentHashMap.newKeySet();
  private final Duration retryMax;
  private volatile boolean closed;
  private Future<Void> closing;

  private EtcdStore(Builder b) {
    var cb = Client.builder().endpoints(b.endpoints.toArray(URI[]::new));
    if (!b.namespace.isEmpty()) {
      cb.namespace(ByteSequence.from(b.namespace, StandardCharsets.UTF_8));
    }
    this.client = cb.connectTimeout(b.connectTimeout).build();
    this.kv = client.getKVClient();
    this.endpoints = String.join(",", b.endpoints.stream().map(URI::getAuthority).toList());
    this.maxValueBytes = b.maxValueBytes;
    this.events = Executors.newSingleThreadExecutor(r -> daemon(r, "skiff-etcd-events"));
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "skiff-etcd-retry"));
    // Calls wait for etcd to come back, but fail (and the API answers 500) after the call timeout
    // instead of waiting forever; watches resume by themselves (EtcdWatch).
    this.calls = new Calls(endpoints, events, timer, b.callTimeout);
    this.retryMax = b.watchRetryMax;
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The etcd endpoints, {@code host:port[,host:port]}. */
  public String endpoints() {
    return endpoints;
  }

  @Override
  public Future<Optional<Entry>> get(String key) {
    if (closed) {
      return closedFailure();
    }
    return calls.map(
        kv.get(Bytes.key(key)),
        "read " + key,
        r -> r.getKvs().stream().findFirst().map(Bytes::entry));
  }

  @Override
  public Future<Listing<Entry>> listing(String prefix) {
    if (closed) {
      return closedFailure();
    }
    return calls.map(
        kv.get(
            Bytes.key(prefix),
            GetOption.builder()
                .isPrefix(true)
                .withSortField(GetOption.SortTarget.KEY)
                .withSortOrder(GetOption.SortOrder.ASCEND)
                .build()),
        "list " + prefix,
        r ->
            new Listing<>(
                r.getHeader().getRevision(), r.getKvs().stream().map(Bytes::entry).toList()));
  }

  @Override
  public Future<Entry> put(String key, byte[] value, long expectedModRevision) {
    checkExpected(expectedModRevision);
    if (closed) {
      return closedFailure();
    }
    if (value.length > maxValueBytes) {
      return Future.failedFuture(
          new PayloadTooLargeException(
              maxValueBytes,
              key
                  + " would hold "
                  + value.length
                  + " bytes; the etcd store keeps at most "
                  + maxValueBytes
                  + " per key (etcd's --max-request-bytes is 1.5 MiB by default): store less"
                  + " under one key"));
    }
    ByteSequence k = Bytes.key(key);
    Op put = Op.put(k, ByteSequence.from(value), PutOption.builder().withPrevKV().build());
    List<Cmp> conditions = condition(k, expectedModRevision);
    return calls.map(
        kv.txn()
            .If(conditions.toArray(Cmp[]::new))
            .Then(put)
            .Else(Op.get(k, GetOption.DEFAULT))
            .commit(),
        "write " + key,
        r -> {
          checkSucceeded(r, key, expectedModRevision);
          long revision = r.getHeader().getRevision();
          var puts = r.getPutResponses();
          KeyValue prev =
              puts.isEmpty() || !puts.get(0).hasPrevKv() ? null : puts.get(0).getPrevKv();
          long created = prev == null ? revision : prev.getCreateRevision();
          return new Entry(key, value.clone(), created, revision);
        });
  }

  @Override
  public Future<Boolean> delete(String key, long expectedModRevision) {
    checkExpected(expectedModRevision);
    if (closed) {
      return closedFailure();
    }
    ByteSequence k = Bytes.key(key);
    return calls.map(
        kv.txn()
            .If(condition(k, expectedModRevision).toArray(Cmp[]::new))
            .Then(Op.delete(k, DeleteOption.DEFAULT))
            .Else(Op.get(k, GetOption.DEFAULT))
            .commit(),
        "delete " + key,
        r -> {
          checkSucceeded(r, key, expectedModRevision);
          return r.getDeleteResponses().get(0).getDeleted() > 0;
        });
  }

  /** The transaction's guard for an expected mod revision; none for {@link Store#ANY}. */
  private static List<Cmp> condition(ByteSequence k, long expected) {
    List<Cmp> out = new ArrayList<>(1);
    if (expected != ANY) {
      // etcd reports mod_revision 0 for a missing key, so ABSENT (0) compares the same way.
      out.add(new Cmp(k, Cmp.Op.EQUAL, CmpTarget.modRevision(expected)));
    }
    return out;
  }

  private static void checkSucceeded(TxnResponse r, String key, long expected) {
    if (!r.isSucceeded()) {
      List<GetResponse> gets = r.getGetResponses();
      long actual =
          gets.isEmpty() || gets.get(0).getKvs().isEmpty()
              ? 0
              : gets.get(0).getKvs().get(0).getModRevision();
      throw new StaleRevisionException(key, expected, actual);
    }
  }

  private static void checkExpected(long expected) {
    if (expected < ANY) {
      throw new IllegalArgumentException(
          "expected mod revision must be ANY, ABSENT or > 0, got " + expected);
    }
  }

  @Override
  public Future<Long> revision() {
    if (closed) {
      return closedFailure();
    }
    return calls.map(
        kv.get(NOWHERE, GetOption.builder().withCountOnly(true).build()),
        "read the revision",
        r -> r.getHeader().getRevision());
  }

  @Override
  public Watch watch(String prefix, long fromRevision, Handler<StoreEvent> handler) {
    EtcdWatch w =
        new EtcdWatch(
            client, calls, timer, prefix, fromRevision, handler, calls.callerExecutor(), retryMax);
    if (closed) {
      w.end();
      return w;
    }
    watches.add(w);
    w.ended().onComplete(x -> watches.remove(w));
    w.start();
    return w;
  }

  /**
   * Completes with etcd's revision once etcd answers, asking again until {@code patience} has
   * passed; then fails with the last reason. For a process that starts with etcd or just after it.
   */
  public Future<Long> awaitReachable(Duration patience) {
    long deadline = System.nanoTime() + patience.toNanos();
    io.vertx.core.Promise<Long> reached = io.vertx.core.Promise.promise();
    tryRevision(deadline, reached);
    return reached.future();
  }

  private void tryRevision(long deadline, io.vertx.core.Promise<Long> reached) {
    revision()
        .onSuccess(reached::tryComplete)
        .onFailure(
            err -> {
              if (closed || System.nanoTime() > deadline) {
                reached.tryFail(err);
              } else {
                timer.schedule(
                    () -> tryRevision(deadline, reached),
                    200,
                    java.util.concurrent.TimeUnit.MILLISECONDS);
              }
            });
  }

  /**
   * Leader election on etcd leases for several control planes on this etcd: campaigns hold the key
   * {@code /skiff-leaders/{role}} under a lease of {@code ttl} (at least 2 s). See {@link
   * dev.skiff.store.etcd.internal.EtcdCampaign}.
   *
   * @param identity who campaigns, as the role's key will say (a host name, a process id)
   */
  public Leadership leadership(String identity, Duration ttl) {
    return (role, onChange) -> {
      EtcdCampaign c =
          new EtcdCampaign(client, timer, role, identity, ttl, onChange, calls.callerExecutor());
      if (closed) {
        throw new StoreClosedException("the etcd store was closed");
      }
      campaigns.add(c);
      c.start();
      return c;
    };
  }

  /**
   * Compacts etcd's history up to {@code revision}: watches from before it fail afterwards with
   * {@link dev.skiff.controlplane.CompactedException}, and running watches that fell behind
   * re-list.
   */
  public Future<Void> compact(long revision) {
    return calls.map(kv.compact(revision), "compact to " + revision, r -> null);
  }

  private <T> Future<T> closedFailure() {
    return Future.failedFuture(new StoreClosedException("the etcd store was closed"));
  }

  /**
   * Ends every watch, resigns every campaign (so another process takes over at once; waiting at
   * most 2 s for etcd to hear it), then closes the client, off the caller's thread.
   */
  @Override
  public synchronized Future<Void> close() {
    if (closing != null) {
      return closing;
    }
    closed = true;
    for (EtcdWatch w : List.copyOf(watches)) {
      w.end();
    }
    List<java.util.concurrent.CompletableFuture<Void>> resigned = new ArrayList<>();
    for (EtcdCampaign c : List.copyOf(campaigns)) {
      resigned.add(c.resign().toCompletionStage().toCompletableFuture());
    }
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    Thread closer =
        daemon(
            () -> {
              try {
                java.util.concurrent.CompletableFuture.allOf(
                        resigned.toArray(java.util.concurrent.CompletableFuture[]::new))
                    .get(2, java.util.concurrent.TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (java.util.concurrent.ExecutionException
                  | java.util.concurrent.TimeoutException e) {
                // etcd did not hear it: the leases expire by themselves
              }
              client.close();
              timer.shutdownNow();
              events.shutdown();
              done.complete();
            },
            "skiff-etcd-close");
    closer.start();
    closing = done.future();
    return closing;
  }

  /** Configures an {@link EtcdStore}. */
  public static final class Builder {
    private List<URI> endpoints = List.of();
    private String namespace = "";
    private int maxValueBytes = DEFAULT_MAX_VALUE_BYTES;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration watchRetryMax = Duration.ofSeconds(2);
    private Duration callTimeout = Duration.ofSeconds(10);

    private Builder() {}

    /**
     * Where etcd is: {@code etcd://HOST:PORT[,HOST:PORT...]} (plain HTTP/2, as Debian's etcd serves
     * on loopback). See {@link EtcdUrl}.
     */
    public Builder withUrl(String url) {
      this.endpoints = EtcdUrl.parse(url);
      return this;
    }

    /**
     * A prefix put in front of every key (jetcd's namespace), so several Skiff installations or
     * tests can share one etcd; default none.
     */
    public Builder withNamespace(String ns) {
      this.namespace = ns == null ? "" : ns;
      return this;
    }

    /** The largest value one key may hold; default {@link #DEFAULT_MAX_VALUE_BYTES}. */
    public Builder withMaxValueBytes(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("max value bytes must be >= 1, got " + bytes);
      }
      this.maxValueBytes = bytes;
      return this;
    }

    /** How long to wait for a connection to etcd; default 5 s. */
    public Builder withConnectTimeout(Duration d) {
      this.connectTimeout = d;
      return this;
    }

    /**
     * How long a call may wait for etcd (unreachable, restarting, electing a leader) before it
     * fails with {@link EtcdStoreException}; default 10 s. A write that timed out may still be
     * applied.
     */
    public Builder withCallTimeout(Duration d) {
      this.callTimeout = d;
      return this;
    }

    /** The longest pause between attempts to resume a broken watch; default 2 s. */
    public Builder withWatchRetryMax(Duration d) {
      this.watchRetryMax = d;
      return this;
    }

    /** The store; it connects lazily, so this never blocks and never fails on a down etcd. */
    public EtcdStore build() {
      if (endpoints.isEmpty()) {
        throw new IllegalArgumentException("withUrl(etcd://HOST:PORT[,HOST:PORT]) is required");
      }
      return new EtcdStore(this);
    }
  }
}
