package dev.skiff.eventing;

import dev.skiff.api.model.Service;
import dev.skiff.api.model.Trigger;
import dev.skiff.api.model.TriggerStatus;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.eventing.internal.TriggerConsumer;
import dev.skiff.eventing.spi.EventSink;
import dev.skiff.eventing.spi.LagListener;
import dev.skiff.eventing.spi.TriggerStatusSink;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;

/**
 * The eventing dispatcher: follows the store's change feed ({@link #onResourceEvent}) and runs one
 * {@link TriggerConsumer} per trigger, restarting it when the trigger's spec changes and stopping
 * it when the trigger is deleted. It knows which services exist from the same feed, so a trigger
 * whose service is missing waits instead of sending records to a 404.
 */
public final class Dispatcher {
  private static final System.Logger LOG = System.getLogger(Dispatcher.class.getName());
  private final TriggerConsumer.Settings settings;
  private final Map<String, TriggerConsumer> consumers = new ConcurrentHashMap<>();
  private final Set<String> services = ConcurrentHashMap.newKeySet();
  private final Vertx vertx;
  private volatile boolean closed;
  private boolean started;

  private Dispatcher(Builder b) {
    this.vertx = b.vertx;
    this.settings =
        new TriggerConsumer.Settings(
            b.vertx,
            b.sink,
            b.gatewayHost,
            b.gatewayPort,
            b.domain,
            services::contains,
            b.statusSink,
            b.lagListener,
            b.clock,
            b.commitPeriod,
            b.statusPeriod,
            Map.copyOf(b.consumerOverrides));
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Takes one change of the store. Blocking work (stopping a consumer) runs on a worker thread, so
   * this may be called from an event loop.
   */
  public void onResourceEvent(ResourceEvent ev) {
    if (closed) {
      return;
    }
    String key = namespaceAndName(ev.key());
    if (Service.KIND.equals(ev.kind())) {
      if (ev.type() == ResourceEvent.Type.PUT) {
        services.add(key);
      } else {
        services.remove(key);
      }
    } else if (Trigger.KIND.equals(ev.kind())) {
      if (ev.type() == ResourceEvent.Type.DELETE) {
        stop(key);
        return;
      }
      Trigger t;
      try {
        t = (Trigger) ev.resource();
      } catch (RuntimeException e) {
        // The feed is shared with the gateway and the node: one unreadable trigger must not stop
        // it.
        LOG.log(
            Level.WARNING, "trigger {0} cannot be read, not consuming: {1}", key, e.getMessage());
        return;
      }
      apply(t);
    }
  }

  private synchronized void apply(Trigger t) {
    String key = t.metadata().namespaceOrDefault() + "/" + t.metadata().name();
    TriggerConsumer running = consumers.get(key);
    // The dispatcher's own status writes come back through the feed: only a new spec restarts.
    if (running != null
        && Objects.equals(running.trigger().spec(), t.spec())
        && Objects.equals(running.trigger().metadata().uid(), t.metadata().uid())) {
      return;
    }
    TriggerConsumer next = new TriggerConsumer(t, settings);
    consumers.put(key, next);
    if (!started) {
      return; // start() launches it
    }
    if (running == null) {
      next.start();
    } else {
      vertx
          .executeBlocking(
              () -> {
                running.close(Duration.ofSeconds(5));
                return null;
              },
              false)
          .onComplete(
              ar -> {
                synchronized (this) {
                  // A later change may have replaced it meanwhile: only the current one runs.
                  if (consumers.get(key) == next && !closed) {
                    next.start();
                  }
                }
              });
    }
  }

  private synchronized void stop(String key) {
    TriggerConsumer c = consumers.remove(key);
    if (c != null && started) {
      vertx.executeBlocking(
          () -> {
            c.close(Duration.ofSeconds(5));
            return null;
          },
          false);
    }
  }

  /**
   * Starts consuming for the triggers seen so far, and for later ones as they come. Call it once
   * the gateway listens: events fed before only record what to run.
   */
  public synchronized Dispatcher start() {
    if (!started && !closed) {
      started = true;
      consumers.values().forEach(TriggerConsumer::start);
    }
    return this;
  }

  /** The trigger keys ({@code ns/name}) with a consumer. */
  public Set<String> running() {
    return Set.copyOf(consumers.keySet());
  }

  /** Stops every consumer, letting events in flight finish briefly and committing. */
  public synchronized Future<Void> close() {
    closed = true;
    if (!started) {
      consumers.clear();
      return Future.succeededFuture();
    }
    List<TriggerConsumer> all = new ArrayList<>(consumers.values());
    consumers.clear();
    return vertx.executeBlocking(
        () -> {
          all.parallelStream().forEach(c -> c.close(Duration.ofSeconds(5)));
          return null;
        },
        false);
  }

  /**
   * Stops every consumer at once without committing anything more, as a crash of the process would:
   * records in flight are delivered again by whoever consumes next. Blocking; for tests.
   */
  public synchronized void kill() {
    closed = true;
    List<TriggerConsumer> all = new ArrayList<>(consumers.values());
    consumers.clear();
    all.parallelStream().forEach(TriggerConsumer::kill);
  }

  private static String namespaceAndName(String key) {
    String[] parts = key.split("/");
    return parts.length >= 2 ? parts[parts.length - 2] + "/" + parts[parts.length - 1] : key;
  }

  /**
   * Settings; {@code withVertx}, {@code withStatusSink} and one of {@code withGateway} and {@code
   * withEventSink} are required.
   */
  public static final class Builder {
    private Vertx vertx;
    private EventSink sink;
    private String gatewayHost = "127.0.0.1";
    private IntSupplier gatewayPort;
    private String domain = "localhost";
    private TriggerStatusSink statusSink;
    private LagListener lagListener = (ns, svc, t, lag, partitions, threshold) -> {};
    private Clock clock = Clock.systemUTC();
    private Duration commitPeriod = Duration.ofSeconds(1);
    private Duration statusPeriod = Duration.ofSeconds(2);
    private Map<String, String> consumerOverrides = Map.of();

    public Builder withVertx(Vertx v) {
      this.vertx = v;
      return this;
    }

    /** Where the gateway listens; the port is asked at each delivery (it may bind port 0). */
    public Builder withGateway(String host, IntSupplier port) {
      this.gatewayHost = host;
      this.gatewayPort = port;
      return this;
    }

    /**
     * Where events go instead of the gateway (skiffd's mesh: the service's instances, called as
     * eventing's own identity). Without it, {@link #withGateway} is required.
     */
    public Builder withEventSink(EventSink s) {
      this.sink = s;
      return this;
    }

    /** The gateway's domain: events go to Host {@code {service}.{namespace}.{domain}}. */
    public Builder withDomain(String d) {
      this.domain = d;
      return this;
    }

    public Builder withStatusSink(TriggerStatusSink s) {
      this.statusSink = s;
      return this;
    }

    public Builder withLagListener(LagListener l) {
      this.lagListener = l;
      return this;
    }

    public Builder withClock(Clock c) {
      this.clock = c;
      return this;
    }

    /** How often finished offsets are committed (also on revoke and close); default 1 s. */
    public Builder withCommitPeriod(Duration d) {
      this.commitPeriod = d;
      return this;
    }

    /** How often lag is measured and status written when it changed; default 2 s. */
    public Builder withStatusPeriod(Duration d) {
      this.statusPeriod = d;
      return this;
    }

    /** Kafka consumer settings that win over Skiff's (tests shorten session timeouts). */
    public Builder withConsumerOverrides(Map<String, String> overrides) {
      this.consumerOverrides = overrides;
      return this;
    }

    public Dispatcher build() {
      if (vertx == null || (gatewayPort == null && sink == null) || statusSink == null) {
        throw new EventingException(
            "a Dispatcher needs withVertx, withGateway or withEventSink, and withStatusSink");
      }
      return new Dispatcher(this);
    }
  }

  /** A status sink that keeps the last status per trigger in memory (tests, single-process use). */
  public static final class MemoryStatusSink implements TriggerStatusSink {
    private final Map<String, TriggerStatus> last = new ConcurrentHashMap<>();

    @Override
    public Future<Void> report(String namespace, String trigger, TriggerStatus status) {
      last.put(namespace + "/" + trigger, status);
      return Future.succeededFuture();
    }

    public TriggerStatus get(String namespace, String trigger) {
      return last.get(namespace + "/" + trigger);
    }
  }
}
