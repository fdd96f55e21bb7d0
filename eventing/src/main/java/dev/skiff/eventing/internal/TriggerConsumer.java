package dev.skiff.eventing.internal;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.DeliverySpec;
import dev.skiff.api.model.Trigger;
import dev.skiff.api.model.TriggerSpec;
import dev.skiff.api.model.TriggerStatus;
import dev.skiff.eventing.spi.EventSink;
import dev.skiff.eventing.spi.LagListener;
import dev.skiff.eventing.spi.TriggerStatusSink;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * One trigger's dispatcher: a dedicated thread that alone touches the trigger's {@link
 * KafkaConsumer} (Kafka's consumer is single-threaded; polls, commits and rebalance callbacks all
 * happen here, in order). Deliveries run on a Vert.x context and hand their outcome back through a
 * queue. Offsets are committed only up to the first unfinished record of each partition:
 * periodically, when a partition is revoked, and on close.
 */
public final class TriggerConsumer {
  private static final System.Logger LOG = System.getLogger(TriggerConsumer.class.getName());

  /** Records buffered per partition before it is paused; resumed below half. */
  static final int BUFFER_PER_PARTITION = 1000;

  private static final Duration CHECK = Duration.ofSeconds(5);

  private static final Duration POLL_EVERY = Duration.ofMillis(20);

  /**
   * What the consumer thread needs from its host. {@code sink} null: events go to the gateway at
   * {@code gatewayHost}:{@code gatewayPort}.
   */
  public record Settings(
      Vertx vertx,
      EventSink sink,
      String gatewayHost,
      IntSupplier gatewayPort,
      String domain,
      Predicate<String> serviceExists,
      TriggerStatusSink statusSink,
      LagListener lagListener,
      Clock clock,
      Duration commitPeriod,
      Duration statusPeriod,
      Map<String, String> consumerOverrides) {}

  private record Finished(PartitionTracker tracker, long offset) {}

  private final Trigger trigger;
  private final String namespace;
  private final String name;
  private final TriggerSpec spec;
  private final Settings settings;
  private final TriggerCounters counters;
  private final Map<TopicPartition, PartitionTracker> trackers = new HashMap<>();
  private final Set<TopicPartition> paused = new HashSet<>();
  private Completions<Finished> finished;
  private final Object sleeper = new Object();
  private final Thread thread;
  private Context context;
  private volatile boolean running = true;
  private volatile boolean killed;
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private Delivery delivery;
  private OffsetCommits commits;
  private Publisher publisher;
  private HttpClient http;
  private EventSink sink;
  private Condition ready;
  private TriggerStatus reported;
  private boolean reporting;
  private int nextPartition;
  private long lastPoll;
  private final List<Runnable> outbox = new ArrayList<>();
  // The plain events' source per subscribed topic, made once: always a HashMap (Map.of's classes
  // differ by size), and never missed on the hot path, whatever trigger runs.
  private final Map<String, URI> sources = new HashMap<>();

  public TriggerConsumer(Trigger trigger, Settings settings) {
    this.trigger = trigger;
    this.namespace = trigger.metadata().namespaceOrDefault();
    this.name = trigger.metadata().name();
    this.spec = trigger.spec();
    this.settings = settings;
    this.counters = new TriggerCounters(settings.clock());
    for (String topic : spec.allTopics()) {
      sources.put(topic, RecordEvents.source(namespace, name, topic));
    }
    this.thread = new Thread(this::run, "skiff-trigger-" + namespace + "-" + name);
    this.thread.setDaemon(true);
  }

  public Trigger trigger() {
    return trigger;
  }

  public void start() {
    thread.start();
  }

  /** Stops consuming: waits a little for events in flight, commits what finished, leaves. */
  public void close(Duration grace) {
    running = false;
    wake();
    join(grace.plusSeconds(10));
  }

  /** Stops at once without committing anything more, as a crash would. */
  public void kill() {
    killed = true;
    running = false;
    wake();
    join(Duration.ofSeconds(15));
  }

  private void wake() {
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    synchronized (sleeper) {
      sleeper.notifyAll();
    }
  }

  private void join(Duration d) {
    try {
      thread.join(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // -- the consumer thread ------------------------------------------------------------------------

  private void run() {
    // From this thread (not Vert.x's) a new event-loop context: each trigger's deliveries get one.
    context = settings.vertx().getOrCreateContext();
    sink = settings.sink();
    if (sink == null) {
      http =
          settings
              .vertx()
              .createHttpClient(
                  new HttpClientOptions().setKeepAlive(true).setConnectTimeout(5000),
                  new PoolOptions()
                      .setHttp1MaxSize(spec.ordered() ? 64 : spec.maxInFlightOrDefault()));
      sink =
          new GatewaySink(
              settings.vertx(),
              http,
              settings.gatewayHost(),
              settings.gatewayPort(),
              settings.domain());
    }
    try {
      while (running) {
        try {
          consumer = newConsumer();
        } catch (KafkaException e) {
          notReady(
              "InvalidKafkaConfig", "the Kafka client refused its settings: " + rootMessage(e));
          sleep(CHECK);
          continue;
        }
        try {
          consume();
        } catch (WakeupException e) {
          // close() or kill(): the loop condition decides
        } catch (KafkaException e) {
          if (e instanceof AuthenticationException || e instanceof AuthorizationException) {
            refused(e);
            report(false);
          }
          counters.error("consumer failed: " + rootMessage(e));
          LOG.log(
              Level.WARNING,
              "trigger {0}/{1}: consumer failed, restarting: {2}",
              namespace,
              name,
              e.toString());
          sleep(CHECK);
        } finally {
          shutDown();
        }
      }
    } finally {
      if (!killed) {
        report(true);
      }
      if (publisher != null) {
        publisher.close();
      }
      if (http != null) {
        http.close();
      }
      settings
          .lagListener()
          .onLag(namespace, spec.service(), name, 0, 0, spec.lagThresholdOrDefault());
    }
  }

  private KafkaConsumer<byte[], byte[]> newConsumer() {
    Properties p = new Properties();
    p.putAll(spec.kafka());
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, spec.bootstrapServers());
    p.put(ConsumerConfig.GROUP_ID_CONFIG, spec.consumerGroupFor(namespace, name));
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "skiff-" + namespace + "-" + name);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, spec.fromEarliest() ? "earliest" : "latest");
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "500");
    // A dispatcher killed without leaving its group holds its partitions until this expires.
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "15000");
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "3000");
    p.put(
        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
        CooperativeStickyAssignor.class.getName());
    p.putAll(settings.consumerOverrides());
    return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  private void consume() {
    while (running && !preconditions()) {
      report(false);
      sleep(CHECK);
    }
    if (!running) {
      return;
    }
    if (publisher == null
        && (spec.replyTopic() != null || spec.deliveryOrDefault().deadLetterTopic() != null)) {
      publisher =
          new Publisher(
              settings.vertx(),
              spec.bootstrapServers(),
              spec.kafka(),
              "skiff-" + namespace + "-" + name + "-publisher");
    }
    finished =
        new Completions<>(
            wakeBatch(spec.ordered(), spec.maxInFlightOrDefault()), Thread.currentThread());
    DeliverySpec d = spec.deliveryOrDefault();
    delivery =
        new Delivery(
            settings.vertx(),
            sink,
            new Delivery.Plan(
                namespace,
                spec.service(),
                spec.service() + "." + namespace + "." + settings.domain(),
                spec.pathOrDefault(),
                d.timeoutOrDefault(),
                d.retryOrDefault(),
                d.exponential(),
                d.backoffDelayOrDefault(),
                d.deadLetterTopic(),
                spec.replyTopic()),
            publisher,
            counters,
            settings.clock());
    commits = new OffsetCommits(consumer, counters);
    consumer.subscribe(spec.allTopics(), new Rebalance());
    ready = Condition.ready(true, null, null, settings.clock().instant());
    long nextCommit = System.nanoTime() + settings.commitPeriod().toNanos();
    long nextStatus = System.nanoTime();
    boolean serviceWas = true;
    while (running) {
      boolean service = serviceExists();
      if (service != serviceWas) {
        serviceWas = service;
        if (!service) {
          notReady("ServiceNotFound", serviceMissing());
        } else {
          ready = Condition.ready(true, null, null, settings.clock().instant());
        }
      }
      // Poll when the buffers run low, and at least every 20 ms (rebalances happen in poll);
      // polling for every event would cost more than the event.
      long polledAgo = System.nanoTime() - lastPoll;
      if (!anyWaiting() || polledAgo > POLL_EVERY.toNanos()) {
        boolean busy = inFlight() > 0 || anyWaiting();
        ConsumerRecords<byte[], byte[]> records =
            consumer.poll(busy ? Duration.ZERO : Duration.ofMillis(100));
        lastPoll = System.nanoTime();
        for (ConsumerRecord<byte[], byte[]> r : records) {
          PartitionTracker t = trackers.get(new TopicPartition(r.topic(), r.partition()));
          if (t != null) {
            t.add(r);
          }
        }
        backPressure(service);
      }
      drainFinished();
      if (service) {
        dispatch();
      }
      if (inFlight() > 0 && !(service && canDispatch())) {
        awaitFinished(POLL_EVERY);
      }
      long now = System.nanoTime();
      if (now >= nextCommit) {
        if (!killed) {
          commits.periodic(new ArrayList<>(trackers.values()));
        }
        nextCommit = now + settings.commitPeriod().toNanos();
      }
      if (now >= nextStatus) {
        report(false);
        nextStatus = now + settings.statusPeriod().toNanos();
      }
    }
    if (!killed) {
      long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      while (inFlight() > 0 && System.nanoTime() < deadline) {
        awaitFinished(Duration.ofMillis(50));
      }
      commit(new ArrayList<>(trackers.values()));
    }
  }

  /** Topics exist and the broker answers; the target service exists. Blocking. */
  private boolean preconditions() {
    Set<String> topics;
    try {
      topics = consumer.listTopics(CHECK).keySet();
    } catch (TimeoutException e) {
      notReady(
          "BootstrapUnreachable",
          "no Kafka broker answered at "
              + spec.bootstrapServers()
              + " within "
              + CHECK.toSeconds()
              + " s; check spec.bootstrapServers and that the brokers run (retrying)");
      return false;
    } catch (WakeupException e) {
      return false;
    } catch (KafkaException e) {
      refused(e);
      return false;
    }
    List<String> missing = spec.allTopics().stream().filter(t -> !topics.contains(t)).toList();
    // A topic the login may not describe is left out of the list as if it did not exist: asked
    // for by name, the broker says which it is.
    for (String t : missing) {
      try {
        consumer.partitionsFor(t, CHECK);
      } catch (WakeupException e) {
        return false;
      } catch (KafkaException e) {
        refused(e);
        return false;
      }
    }
    if (!missing.isEmpty()) {
      notReady(
          "TopicNotFound",
          "topic "
              + String.join(", ", missing)
              + " does not exist on "
              + spec.bootstrapServers()
              + "; create it (kafka-topics.sh --create --topic ...) or fix spec.topics; consuming"
              + " starts once it exists");
      return false;
    }
    if (!serviceExists()) {
      notReady("ServiceNotFound", serviceMissing());
      return false;
    }
    return true;
  }

  /** The broker refused the trigger's login or its rights, or failed otherwise: which, and why. */
  private void refused(KafkaException e) {
    if (e instanceof AuthenticationException) {
      notReady(
          "AuthenticationFailed",
          "the broker at "
              + spec.bootstrapServers()
              + " refused the trigger's login: "
              + e.getMessage()
              + "; check spec.kafka (security.protocol, sasl.mechanism and the user and password"
              + " in sasl.jaas.config; ssl.* for TLS); no record is consumed meanwhile (retrying)");
    } else if (e instanceof AuthorizationException) {
      notReady(
          "NotAuthorized",
          "the broker at "
              + spec.bootstrapServers()
              + " does not allow the trigger's user: "
              + e.getMessage()
              + "; grant it ACLs to describe and read topics "
              + String.join(", ", spec.allTopics())
              + " and to read consumer group "
              + spec.consumerGroupFor(namespace, name)
              + " (kafka-acls.sh --add --allow-principal User:... --operation Read --topic ..."
              + " --group ...); no record is consumed meanwhile (retrying)");
    } else {
      notReady("KafkaError", rootMessage(e) + " (check spec.kafka; retrying)");
    }
  }

  private boolean serviceExists() {
    return settings.serviceExists().test(namespace + "/" + spec.service());
  }

  private String serviceMissing() {
    return "service "
        + namespace
        + "/"
        + spec.service()
        + " does not exist; deploy it (skiff deploy "
        + spec.service()
        + " ...) or fix spec.service; records wait in Kafka meanwhile, none is lost";
  }

  private void notReady(String reason, String message) {
    if (ready == null || ready.isTrue() || !Objects.equals(ready.message(), message)) {
      ready = Condition.ready(false, reason, message, settings.clock().instant());
    }
  }

  private int inFlight() {
    int n = 0;
    for (PartitionTracker t : trackers.values()) {
      n += t.inFlight();
    }
    return n;
  }

  private boolean anyWaiting() {
    for (PartitionTracker t : trackers.values()) {
      if (t.hasWaiting()) {
        return true;
      }
    }
    return false;
  }

  private boolean canDispatch() {
    if (spec.ordered()) {
      return trackers.values().stream().anyMatch(t -> t.hasWaiting() && t.inFlight() == 0);
    }
    return inFlight() < spec.maxInFlightOrDefault()
        && trackers.values().stream().anyMatch(PartitionTracker::hasWaiting);
  }

  /** Ordered: the head of each idle partition. Unordered: round robin up to max-in-flight. */
  private void dispatch() {
    List<PartitionTracker> all = new ArrayList<>(trackers.values());
    if (all.isEmpty()) {
      return;
    }
    if (spec.ordered()) {
      for (PartitionTracker t : all) {
        if (t.hasWaiting() && t.inFlight() == 0) {
          send(t);
        }
      }
      flush();
      return;
    }
    int budget = spec.maxInFlightOrDefault() - inFlight();
    int idle = 0;
    while (budget > 0 && idle < all.size()) {
      PartitionTracker t = all.get(Math.floorMod(nextPartition++, all.size()));
      if (t.hasWaiting()) {
        send(t);
        budget--;
        idle = 0;
      } else {
        idle++;
      }
    }
    flush();
  }

  private void send(PartitionTracker t) {
    ConsumerRecord<byte[], byte[]> r = t.take();
    URI source = sources.get(r.topic());
    RecordEvents.Mapped m =
        source != null
            ? RecordEvents.map(r, source)
            : RecordEvents.map(r, namespace, name); // not subscribed: never
    if (m.malformed() != null) {
      counters.malformed.incrementAndGet();
      counters.error(r.topic() + "/" + r.partition() + "@" + r.offset() + ": " + m.malformed());
    }
    Delivery current = delivery;
    Completions<Finished> to = finished;
    outbox.add(
        () -> current.deliver(r, m.event()).onSuccess(x -> to.add(new Finished(t, r.offset()))));
  }

  /** Hands the events taken in one round to the event loop in one go. */
  private void flush() {
    if (outbox.isEmpty()) {
      return;
    }
    List<Runnable> batch = new ArrayList<>(outbox);
    outbox.clear();
    context.runOnContext(v -> batch.forEach(Runnable::run));
  }

  /**
   * How many finished events wake the consumer thread. Ordered: each, since its partition waits for
   * it. Unordered: an eighth of max-in-flight (at most 32), so refills go out in batches and the
   * thread does not switch in for every event; the rest are found within {@code POLL_EVERY}.
   */
  static int wakeBatch(boolean ordered, int maxInFlight) {
    return ordered ? 1 : Math.max(1, Math.min(32, maxInFlight / 8));
  }

  private void drainFinished() {
    finished.drain(this::apply);
  }

  private void awaitFinished(Duration d) {
    finished.await(d, this::apply);
    if (Thread.currentThread().isInterrupted()) {
      running = false;
    }
  }

  private void apply(Finished f) {
    // A completion for a partition revoked meanwhile belongs to no tracker now: ignored.
    if (trackers.get(f.tracker().partition) == f.tracker()) {
      f.tracker().finish(f.offset());
    }
  }

  private void backPressure(boolean service) {
    List<TopicPartition> pause = new ArrayList<>();
    List<TopicPartition> resume = new ArrayList<>();
    for (PartitionTracker t : trackers.values()) {
      boolean full = t.buffered() >= BUFFER_PER_PARTITION;
      boolean low = t.buffered() < BUFFER_PER_PARTITION / 2;
      if ((full || !service) && paused.add(t.partition)) {
        pause.add(t.partition);
      } else if (service && low && paused.remove(t.partition)) {
        resume.add(t.partition);
      }
    }
    if (!pause.isEmpty()) {
      consumer.pause(pause);
    }
    if (!resume.isEmpty()) {
      consumer.resume(resume);
    }
  }

  /** Revoke and close: waits for the broker. */
  private void commit(Collection<PartitionTracker> which) {
    if (!killed) {
      commits.now(which);
    }
  }

  private void shutDown() {
    if (delivery != null) {
      delivery.close();
    }
    KafkaConsumer<byte[], byte[]> c = consumer;
    consumer = null;
    trackers.clear();
    paused.clear();
    if (c != null) {
      try {
        c.close(CloseOptions.timeout(killed ? Duration.ZERO : Duration.ofSeconds(5)));
      } catch (KafkaException e) {
        LOG.log(Level.DEBUG, "closing the consumer: {0}", e.toString());
      }
    }
  }

  private void sleep(Duration d) {
    synchronized (sleeper) {
      if (!running) {
        return;
      }
      try {
        sleeper.wait(d.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        running = false;
      }
    }
  }

  // -- status
  // ---------------------------------------------------------------------------------------

  private void report(boolean last) {
    List<TriggerStatus.PartitionLag> parts = new ArrayList<>();
    long lag = 0;
    if (consumer != null && !trackers.isEmpty()) {
      try {
        // The end as of the last fetch (no request); a partition not fetched yet is asked for.
        Map<TopicPartition, Long> ends = new HashMap<>();
        List<TopicPartition> unknown = new ArrayList<>();
        for (PartitionTracker t : trackers.values()) {
          OptionalLong behind = consumer.currentLag(t.partition);
          if (behind.isPresent()) {
            ends.put(t.partition, t.fetched() + behind.getAsLong());
          } else {
            unknown.add(t.partition);
          }
        }
        if (!unknown.isEmpty()) {
          ends.putAll(consumer.endOffsets(unknown, CHECK));
        }
        List<PartitionTracker> sorted = new ArrayList<>(trackers.values());
        sorted.sort(
            Comparator.comparing((PartitionTracker x) -> x.partition.topic())
                .thenComparingInt(x -> x.partition.partition()));
        for (PartitionTracker t : sorted) {
          long end = ends.getOrDefault(t.partition, t.committed());
          long l = Math.max(0, end - t.committed());
          lag += l;
          parts.add(
              new TriggerStatus.PartitionLag(
                  t.partition.topic(), t.partition.partition(), t.committed(), end, l));
        }
      } catch (WakeupException e) {
        throw e;
      } catch (KafkaException e) {
        counters.error("cannot read the end offsets: " + rootMessage(e));
      }
    }
    settings
        .lagListener()
        .onLag(
            namespace,
            spec.service(),
            name,
            last ? 0 : lag,
            parts.size(),
            spec.lagThresholdOrDefault());
    TriggerStatus s =
        new TriggerStatus(
            trigger.metadata().generation(),
            ready == null ? List.of() : List.of(ready),
            parts,
            lag,
            counters.deliveredCount(),
            counters.lastDeliveredAt(),
            counters.retried.get(),
            counters.deadLettered.get(),
            counters.dropped.get(),
            counters.replied.get(),
            counters.malformed.get(),
            counters.lastError(),
            counters.lastErrorTime());
    if (s.equals(reported) || reporting) {
      return;
    }
    reporting = true;
    settings
        .statusSink()
        .report(namespace, name, s)
        .onComplete(
            ar -> {
              reporting = false;
              if (ar.succeeded()) {
                reported = s;
              } else {
                LOG.log(Level.DEBUG, "trigger status not written: {0}", ar.cause().toString());
              }
            });
  }

  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t == e ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + t.getMessage();
  }

  /** Runs inside {@code poll}, on the consumer thread. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      List<PartitionTracker> gone = new ArrayList<>();
      for (TopicPartition tp : partitions) {
        PartitionTracker t = trackers.get(tp);
        if (t != null) {
          gone.add(t);
        }
      }
      commit(gone);
      for (TopicPartition tp : partitions) {
        trackers.remove(tp);
        paused.remove(tp);
      }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      for (TopicPartition tp : partitions) {
        trackers.remove(tp);
        paused.remove(tp);
      }
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      for (TopicPartition tp : partitions) {
        trackers.put(tp, new PartitionTracker(tp, consumer.position(tp, Duration.ofSeconds(30))));
      }
    }
  }
}
