package dev.skiff.store.etcd.internal;

import dev.skiff.controlplane.spi.Leadership;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One campaign on etcd: a lease of {@code ttl}, renewed every third of it, and the role's key
 * {@code /skiff-leaders/{role}} created under that lease only if absent (a transaction on its
 * create revision). Whoever created the key leads until the lease ends: by expiry (the leader died
 * or was cut off), or by revocation (it resigned). Candidates try again every third of the TTL.
 *
 * <p>A leader stops leading when two thirds of the TTL passed since it sent its last renewal that
 * etcd confirmed, before etcd can expire the lease (which etcd counts from its receipt, later), so
 * a cut-off leader has stepped down before anyone else can take the key. Every field is touched
 * only on the store's single timer thread.
 */
public final class EtcdCampaign implements Leadership.Campaign {
  private static final System.Logger LOG = System.getLogger(EtcdCampaign.class.getName());
  public static final String PREFIX = "/skiff-leaders/";

  private final Client client;
  private final ScheduledExecutorService timer;
  private final ByteSequence key;
  private final ByteSequence identity;
  private final String role;

  /** How often a candidate tries for the role at most. */
  static final long CANDIDATE_MILLIS = 500;

  private final long ttlSeconds;
  private final long tickMillis;
  private final Handler<Boolean> onChange;
  private final Executor notify;
  private final LongSupplier nanos;

  private java.util.concurrent.ScheduledFuture<?> watchdog;
  private long lease;
  private long renewedAt;
  private volatile boolean leading;
  private volatile boolean stopped;

  public EtcdCampaign(
      Client client,
      ScheduledExecutorService timer,
      String role,
      String identity,
      Duration ttl,
      Handler<Boolean> onChange,
      Executor notify) {
    this.client = client;
    this.timer = timer;
    this.role = role;
    this.key = Bytes.key(PREFIX + role);
    this.identity = Bytes.key(identity);
    this.ttlSeconds = Math.max(2, ttl.toSeconds());
    this.tickMillis = ttlSeconds * 1000 / 3;
    this.onChange = onChange;
    this.notify = notify;
    this.nanos = System::nanoTime;
  }

  public void start() {
    timer.execute(this::tick);
    // Apart from the renewal chain, which may hang on a cut-off etcd for longer than the lease.
    watchdog =
        timer.scheduleWithFixedDelay(
            this::checkDeadline, tickMillis / 4, tickMillis / 4, TimeUnit.MILLISECONDS);
  }

  private void checkDeadline() {
    if (leading
        && !stopped
        && nanos.getAsLong() - renewedAt > TimeUnit.SECONDS.toNanos(ttlSeconds) * 2 / 3) {
      change(false, "no renewal confirmed for two thirds of the lease");
    }
  }

  @Override
  public boolean leading() {
    return leading;
  }

  /** Every third of the TTL: a lease if there is none, renew it, and try for the key. */
  private void tick() {
    if (stopped) {
      return;
    }
    checkDeadline();
    if (lease == 0) {
      long sent = nanos.getAsLong();
      client
          .getLeaseClient()
          .grant(ttlSeconds)
          .orTimeout(ttlSeconds, TimeUnit.SECONDS)
          .whenCompleteAsync(
              (r, err) -> {
                if (err == null && !stopped) {
                  lease = r.getID();
                  renewedAt = sent;
                  acquire();
                } else {
                  next();
                }
              },
              timer);
      return;
    }
    long sent = nanos.getAsLong();
    long current = lease;
    client
        .getLeaseClient()
        .keepAliveOnce(current)
        .orTimeout(ttlSeconds, TimeUnit.SECONDS)
        .whenCompleteAsync(
            (r, err) -> {
              if (stopped || current != lease) {
                return;
              }
              if (err != null || r.getTTL() <= 0) {
                // Expired (or unknown: etcd lost it): a new lease on the next tick.
                if (err == null || String.valueOf(err.getMessage()).contains("not found")) {
                  lease = 0;
                  if (leading) {
                    change(false, "the lease expired");
                  }
                }
                next();
                return;
              }
              renewedAt = sent;
              acquire();
            },
            timer);
  }

  /** Creates the role's key under our lease if it is absent, else checks who holds it. */
  private void acquire() {
    long current = lease;
    client
        .getKVClient()
        .txn()
        .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
        .Then(Op.put(key, identity, PutOption.builder().withLeaseId(current).build()))
        .Else(Op.get(key, GetOption.DEFAULT))
        .commit()
        .orTimeout(ttlSeconds, TimeUnit.SECONDS)
        .whenCompleteAsync(
            (r, err) -> {
              if (stopped || current != lease) {
                return;
              }
              if (err == null) {
                boolean ours =
                    r.isSucceeded()
                        || r.getGetResponses().get(0).getKvs().stream()
                            .map(KeyValue::getLease)
                            .anyMatch(l -> l == current);
                if (ours != leading) {
                  change(ours, ours ? "took the role" : "the role is held by another lease");
                }
              }
              next();
            },
            timer);
  }

  /**
   * The next tick: a third of the TTL for the leader (renewal), at most {@value #CANDIDATE_MILLIS}
   * ms for a candidate, so it takes the role soon after the leader's lease expired.
   */
  private void next() {
    if (!stopped) {
      timer.schedule(
          this::tick,
          leading ? tickMillis : Math.min(tickMillis, CANDIDATE_MILLIS),
          TimeUnit.MILLISECONDS);
    }
  }

  private void change(boolean now, String why) {
    leading = now;
    LOG.log(
        System.Logger.Level.INFO, "{0} leadership of {1}: {2}", now ? "took" : "lost", role, why);
    notify.execute(() -> onChange.handle(now));
  }

  @Override
  public Future<Void> resign() {
    Promise<Void> done = Promise.promise();
    timer.execute(
        () -> {
          stopped = true;
          if (watchdog != null) {
            watchdog.cancel(false);
          }
          boolean was = leading;
          if (was) {
            change(false, "resigned");
          }
          if (lease == 0) {
            done.complete();
            return;
          }
          // Revoking the lease deletes the key with it: the next candidate takes over at once.
          client.getLeaseClient().revoke(lease).whenComplete((r, err) -> done.complete());
          lease = 0;
        });
    return done.future();
  }
}
