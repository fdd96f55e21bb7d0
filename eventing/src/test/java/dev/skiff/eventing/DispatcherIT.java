package dev.skiff.eventing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.Condition;
import dev.skiff.api.model.DeliverySpec;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Resource;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import dev.skiff.api.model.Trigger;
import dev.skiff.api.model.TriggerSpec;
import dev.skiff.api.model.TriggerStatus;
import dev.skiff.api.watch.ResourceEvent;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The dispatcher against a real KRaft broker (one for the class) and a real HTTP receiver. */
class DispatcherIT {
  private static Broker broker;
  private static Vertx vertx;
  private Function function;
  private Dispatcher.MemoryStatusSink statuses;
  private final List<Dispatcher> dispatchers = new ArrayList<>();
  private long revision;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = Broker.start();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopBroker() throws Exception {
    broker.close();
    Function.await(vertx.close());
  }

  @BeforeEach
  void startFunction() {
    function = Function.start(vertx);
    statuses = new Dispatcher.MemoryStatusSink();
  }

  @AfterEach
  void stop() {
    dispatchers.forEach(d -> Function.await(d.close()));
    function.close();
  }

  private Dispatcher dispatcher() {
    return started(builder().withGateway("127.0.0.1", function::port));
  }

  /** The dispatcher every test here uses, delivering wherever the caller adds. */
  private Dispatcher.Builder builder() {
    return Dispatcher.builder()
        .withVertx(vertx)
        .withDomain("example.test")
        .withStatusSink(statuses)
        .withCommitPeriod(Duration.ofMillis(200))
        .withStatusPeriod(Duration.ofMillis(300))
        .withConsumerOverrides(
            Map.of("session.timeout.ms", "6000", "heartbeat.interval.ms", "500"));
  }

  private Dispatcher started(Dispatcher.Builder b) {
    Dispatcher d = b.build().start();
    dispatchers.add(d);
    return d;
  }

  private ResourceEvent put(String plural, Resource r) {
    return new ResourceEvent(
        ResourceEvent.Type.PUT,
        r.kind(),
        "/skiff/" + plural + "/" + r.metadata().namespaceOrDefault() + "/" + r.metadata().name(),
        ++revision,
        Json.mapper().valueToTree(r));
  }

  private ResourceEvent service(String name) {
    return put(
        "services", Service.of(ObjectMeta.of("default", name), new ServiceSpec(null, List.of())));
  }

  private static Trigger trigger(String name, TriggerSpec spec) {
    ObjectMeta m = new ObjectMeta(name, "default", 1L, 1L, "uid-" + name, null, null, null);
    return Trigger.of(m, spec);
  }

  private static TriggerSpec spec(
      String topic, String ordering, Integer maxInFlight, DeliverySpec delivery, String reply) {
    return new TriggerSpec(
        topic,
        null,
        broker.bootstrap(),
        "fn",
        "/events",
        null,
        "earliest",
        ordering,
        maxInFlight,
        reply,
        null,
        null,
        delivery);
  }

  private static DeliverySpec retries(int n, String dlq) {
    return new DeliverySpec(n, "linear", "PT0.01S", dlq, "PT5S");
  }

  private static ProducerRecord<byte[], byte[]> record(
      String topic, Integer partition, String key, String value) {
    return new ProducerRecord<>(
        topic,
        partition,
        key == null ? null : key.getBytes(StandardCharsets.UTF_8),
        value.getBytes(StandardCharsets.UTF_8));
  }

  private static void waitFor(String what, Duration d, BooleanSupplier ok)
      throws InterruptedException {
    long deadline = System.nanoTime() + d.toNanos();
    while (!ok.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  private static <T> T waitFor(
      String what, Duration d, Supplier<T> value, java.util.function.Predicate<T> ok)
      throws InterruptedException {
    long deadline = System.nanoTime() + d.toNanos();
    T v = value.get();
    while (v == null || !ok.test(v)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what + "; last seen " + v);
      }
      Thread.sleep(20);
      v = value.get();
    }
    return v;
  }

  private Condition ready(String trigger) {
    TriggerStatus s = statuses.get("default", trigger);
    return s == null || s.conditions().isEmpty() ? null : s.conditions().get(0);
  }

  /** A dispatcher whose sink is {@code sink} instead of the gateway. */
  private Dispatcher dispatcher(dev.skiff.eventing.spi.EventSink sink) {
    return started(builder().withEventSink(sink));
  }

  private static String ceId(dev.skiff.eventing.spi.EventRequest r) {
    for (Map.Entry<String, String> h : r.headers()) {
      if (h.getKey().equalsIgnoreCase("ce-id")) {
        return h.getValue();
      }
    }
    throw new AssertionError("no ce-id in " + r.headers());
  }

  private static final dev.skiff.eventing.spi.EventReply OK =
      new dev.skiff.eventing.spi.EventReply(200, List.of(), new byte[0]);

  @Test
  void statusSaysWhenItsDeliveredCountWasReached() throws Exception {
    broker.createTopic("delivered-at", 3);
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      records.add(record("delivered-at", i % 3, null, "r" + i));
    }
    broker.sendAll(records);
    // The latest moment an answer was handed back: the count's last growth cannot precede it.
    AtomicReference<Instant> lastAnswer = new AtomicReference<>(Instant.EPOCH);
    Dispatcher d =
        dispatcher(
            (ns, svc, req) -> {
              Instant now = Instant.now();
              lastAnswer.accumulateAndGet(now, (a, b) -> a.isAfter(b) ? a : b);
              return io.vertx.core.Future.succeededFuture(OK);
            });
    d.onResourceEvent(service("fn"));
    d.onResourceEvent(
        put("triggers", trigger("delivered-at", spec("delivered-at", "unordered", 8, null, null))));
    TriggerStatus s =
        waitFor(
            "30 deliveries",
            Duration.ofSeconds(60),
            () -> statuses.get("default", "delivered-at"),
            x -> x.delivered() == 30 && x.lag() == 0);
    Instant seen = Instant.now();
    assertNotNull(s.lastDeliveredAt(), "no lastDeliveredAt in " + s);
    Instant floor = lastAnswer.get().truncatedTo(ChronoUnit.MILLIS);
    assertTrue(
        !s.lastDeliveredAt().isBefore(floor) && !s.lastDeliveredAt().isAfter(seen),
        "lastDeliveredAt " + s.lastDeliveredAt() + " outside [" + floor + ", " + seen + "]");
  }

  @Test
  void orderedDeliveriesKeepOnePerPartitionInFlightInOffsetOrderUnderRandomFailures()
      throws Exception {
    broker.createTopic("ordered-loops", 6);
    Map<String, Integer> inFlight = new ConcurrentHashMap<>();
    Map<String, List<Long>> answered = new ConcurrentHashMap<>();
    List<String> broken = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.Random random = new java.util.Random(7);
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      records.add(record("ordered-loops", i % 6, null, "r" + i));
    }
    broker.sendAll(records);
    Dispatcher d =
        dispatcher(
            (ns, svc, req) -> {
              String id = ceId(req); // partition:{p}/offset:{o}
              String p = id.substring(0, id.indexOf('/'));
              long offset = Long.parseLong(id.substring(id.indexOf(":", id.indexOf('/')) + 1));
              if (inFlight.merge(p, 1, Integer::sum) != 1) {
                broken.add("two in flight on " + p + " at offset " + offset);
              }
              io.vertx.core.Promise<dev.skiff.eventing.spi.EventReply> answer =
                  io.vertx.core.Promise.promise();
              boolean fail;
              long delay;
              synchronized (random) {
                fail = random.nextInt(5) == 0;
                delay = 1 + random.nextInt(3);
              }
              vertx.setTimer(
                  delay,
                  t -> {
                    inFlight.merge(p, -1, Integer::sum);
                    if (!fail) {
                      answered
                          .computeIfAbsent(
                              p, k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                          .add(offset);
                    }
                    answer.complete(
                        fail
                            ? new dev.skiff.eventing.spi.EventReply(503, List.of(), new byte[0])
                            : OK);
                  });
              return answer.future();
            });
    d.onResourceEvent(service("fn"));
    d.onResourceEvent(
        put(
            "triggers",
            trigger(
                "ordered-loops", spec("ordered-loops", "ordered", null, retries(20, null), null))));
    waitFor(
        "600 deliveries and no lag",
        Duration.ofSeconds(90),
        () -> statuses.get("default", "ordered-loops"),
        s -> s.delivered() == 600 && s.lag() == 0);
    assertEquals(List.of(), broken);
    assertEquals(6, answered.size());
    for (Map.Entry<String, List<Long>> e : answered.entrySet()) {
      List<Long> seq = e.getValue();
      for (int i = 0; i < seq.size(); i++) {
        assertEquals((long) i, seq.get(i), e.getKey() + " answered out of offset order: " + seq);
      }
      assertEquals(100, seq.size(), e.getKey());
    }
  }

  @Test
  void deliversEachPartitionInOffsetOrderUnderRetries() throws Exception {
    broker.createTopic("ordered", 3);
    // Every record fails its first attempt (503, or 429 with Retry-After 0); some fail twice.
    Map<String, Integer> attempts = new ConcurrentHashMap<>();
    function.answer(
        (r, req) -> {
          int n = attempts.merge(r.body(), 1, Integer::sum);
          int failures = r.body().endsWith("7") ? 2 : 1;
          if (n <= failures) {
            req.response()
                .setStatusCode(n % 2 == 0 ? 429 : 503)
                .putHeader("Retry-After", "0")
                .end("busy");
          } else {
            req.response().setStatusCode(200).end();
          }
        });
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      records.add(record("ordered", i % 3, null, (i % 3) + ":" + String.format("%03d", i)));
    }
    broker.sendAll(records);
    Dispatcher d = dispatcher();
    d.onResourceEvent(service("fn"));
    d.onResourceEvent(
        put(
            "triggers",
            trigger("ordered", spec("ordered", "ordered", null, retries(3, null), null))));

    TriggerStatus done =
        waitFor(
            "60 deliveries and no lag",
            Duration.ofSeconds(60),
            () -> statuses.get("default", "ordered"),
            s -> s.delivered() == 60 && s.lag() == 0);
    assertTrue(done.retried() >= 60, "retried " + done.retried());
    // Per partition, the answered (final) attempts arrive in offset order, each once.
    Map<String, List<String>> answered = new HashMap<>();
    for (Function.Received r : function.received) {
      String body = r.body();
      int failures = body.endsWith("7") ? 2 : 1;
      long seen = function.received.stream().filter(x -> x.body().equals(body)).count();
      assertEquals(failures + 1, seen, "attempts of " + body);
      assertEquals("fn.default.example.test", r.host());
      assertEquals("/events", r.path());
    }
    for (Function.Received r : function.received) {
      answered.computeIfAbsent(r.body().substring(0, 1), k -> new ArrayList<>());
      List<String> seq = answered.get(r.body().substring(0, 1));
      if (seq.isEmpty() || !seq.get(seq.size() - 1).equals(r.body())) {
        seq.add(r.body());
      }
    }
    for (List<String> seq : answered.values()) {
      List<String> sorted = new ArrayList<>(seq);
      sorted.sort(null);
      assertEquals(sorted, seq, "a partition's events out of offset order");
      assertEquals(20, seq.size());
    }
  }

  @Test
  void poisonRecordGoesToTheDeadLetterTopicAndThePartitionMovesOn() throws Exception {
    broker.createTopic("poison", 1);
    broker.createTopic("poison-dlq", 1);
    function.answer(
        (r, req) -> {
          if (r.body().equals("record-3")) {
            req.response().setStatusCode(500).end("cannot digest record-3");
          } else {
            req.response().setStatusCode(200).end();
          }
        });
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      records.add(record("poison", 0, "k" + i, "record-" + i));
    }
    broker.sendAll(records);
    Dispatcher d = dispatcher();
    d.onResourceEvent(service("fn"));
    d.onResourceEvent(
        put(
            "triggers",
            trigger("poison", spec("poison", "ordered", null, retries(2, "poison-dlq"), null))));

    TriggerStatus s =
        waitFor(
            "9 delivered, 1 dead-lettered, lag 0",
            Duration.ofSeconds(60),
            () -> statuses.get("default", "poison"),
            x -> x.delivered() == 9 && x.deadLettered() == 1 && x.lag() == 0);
    assertEquals(2, s.retried());
    assertEquals(3, function.received.stream().filter(r -> r.body().equals("record-3")).count());
    List<ConsumerRecord<byte[], byte[]>> dlq =
        broker.readAll("poison-dlq", 1, Duration.ofSeconds(10));
    assertEquals(1, dlq.size());
    ConsumerRecord<byte[], byte[]> dead = dlq.get(0);
    assertEquals("record-3", new String(dead.value(), StandardCharsets.UTF_8));
    assertEquals("500", header(dead, "ce_knativeerrorcode"));
    assertEquals("http://fn.default.example.test/events", header(dead, "ce_knativeerrordest"));
    assertEquals(
        "cannot digest record-3",
        new String(
            Base64.getDecoder().decode(header(dead, "ce_knativeerrordata")),
            StandardCharsets.UTF_8));
    assertEquals("partition:0/offset:3", header(dead, "ce_id"));
    assertEquals("k3", header(dead, "ce_partitionkey"));
    assertTrue(s.lastError().contains("poison/0@3"), s.lastError());
  }

  private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
    var h = r.headers().lastHeader(name);
    assertNotNull(h, "header " + name + " missing");
    return new String(h.value(), StandardCharsets.UTF_8);
  }

  @Test
  void mapsRecordsToCloudEventsAndPublishesReplies() throws Exception {
    broker.createTopic("mapping", 1);
    broker.createTopic("mapping-replies", 1);
    function.answer(
        (r, req) ->
            req.response()
                .setStatusCode(200)
                .putHeader("ce-specversion", "1.0")
                .putHeader("ce-id", "reply-" + r.ce("id"))
                .putHeader("ce-source", "/fn")
                .putHeader("ce-type", "dev.example.reply")
                .putHeader("Content-Type", "text/plain")
                .end("re: " + r.body()));
    ProducerRecord<byte[], byte[]> plain = record("mapping", 0, "key-1", "plain");
    plain.headers().add("Trace-Id", "abc def".getBytes(StandardCharsets.UTF_8));
    plain.headers().add("content-type", "text/plain".getBytes(StandardCharsets.UTF_8));
    ProducerRecord<byte[], byte[]> ce = record("mapping", 0, null, "{\"n\":1}");
    ce.headers().add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
    ce.headers().add("ce_id", "order-42".getBytes(StandardCharsets.UTF_8));
    ce.headers().add("ce_source", "/shop".getBytes(StandardCharsets.UTF_8));
    ce.headers().add("ce_type", "dev.example.order".getBytes(StandardCharsets.UTF_8));
    ce.headers().add("content-type", "application/json".getBytes(StandardCharsets.UTF_8));
    ProducerRecord<byte[], byte[]> structured =
        record(
            "mapping",
            0,
            null,
            "{\"specversion\":\"1.0\",\"id\":\"s-1\",\"source\":\"/s\",\"type\":\"t.s\","
                + "\"datacontenttype\":\"application/json\",\"data\":{\"x\":2}}");
    structured
        .headers()
        .add("content-type", "application/cloudevents+json".getBytes(StandardCharsets.UTF_8));
    ProducerRecord<byte[], byte[]> malformed = record("mapping", 0, null, "bad");
    malformed.headers().add("ce_specversion", "1.0".getBytes(StandardCharsets.UTF_8));
    malformed.headers().add("ce_time", "yesterday".getBytes(StandardCharsets.UTF_8));
    broker.sendAll(List.of(plain, ce, structured, malformed));
    Dispatcher d = dispatcher();
    d.onResourceEvent(service("fn"));
    d.onResourceEvent(
        put(
            "triggers",
            trigger("mapping", spec("mapping", "ordered", null, null, "mapping-replies"))));
    TriggerStatus s =
        waitFor(
            "4 delivered and replied",
            Duration.ofSeconds(60),
            () -> statuses.get("default", "mapping"),
            x -> x.delivered() == 4 && x.replied() == 4 && x.lag() == 0);
    assertEquals(1, s.malformed());
    assertTrue(s.lastError().contains("mapping/0@3"), s.lastError());

    Function.Received p = function.received.get(0);
    assertEquals("partition:0/offset:0", p.ce("id"));
    assertEquals("/skiff/default/triggers/mapping#mapping", p.ce("source"));
    assertEquals("dev.skiff.kafka.event", p.ce("type"));
    assertEquals("partition:0#0", p.ce("subject"));
    assertEquals("1.0", p.ce("specversion"));
    assertEquals("key-1", p.ce("partitionkey"));
    assertEquals("abc%20def", p.ce("kafkaheadertraceid"));
    assertNotNull(p.ce("time"));
    assertEquals("text/plain", p.headers().get("Content-Type"));
    Function.Received c = function.received.get(1);
    assertEquals("order-42", c.ce("id"));
    assertEquals("/shop", c.ce("source"));
    assertEquals("dev.example.order", c.ce("type"));
    assertEquals("application/json", c.headers().get("Content-Type"));
    Function.Received st = function.received.get(2);
    assertEquals("s-1", st.ce("id"));
    assertEquals("{\"x\":2}", st.body());
    Function.Received m = function.received.get(3);
    assertEquals("partition:0/offset:3", m.ce("id"));
    assertEquals("bad", m.body());

    List<ConsumerRecord<byte[], byte[]>> replies =
        broker.readAll("mapping-replies", 4, Duration.ofSeconds(10));
    assertEquals(4, replies.size());
    assertEquals("reply-order-42", header(replies.get(1), "ce_id"));
    assertEquals("re: {\"n\":1}", new String(replies.get(1).value(), StandardCharsets.UTF_8));
  }

  @Test
  void badInputGivesAClearStateAndLosesNoRecord() throws Exception {
    Dispatcher d = dispatcher();
    // Unreachable bootstrap: nothing listens on port 1.
    TriggerSpec unreachable =
        new TriggerSpec(
            "x", null, "127.0.0.1:1", "fn", null, null, null, null, null, null, null, null, null);
    d.onResourceEvent(put("triggers", trigger("unreachable", unreachable)));
    Condition c =
        waitFor(
            "BootstrapUnreachable", Duration.ofSeconds(30), () -> ready("unreachable"), x -> true);
    assertEquals("BootstrapUnreachable", c.reason(), c.toString());
    assertTrue(c.message().contains("127.0.0.1:1"), c.message());

    // An unknown topic, and a service that does not exist yet.
    d.onResourceEvent(put("triggers", trigger("later", spec("later", null, null, null, null))));
    c = waitFor("TopicNotFound", Duration.ofSeconds(30), () -> ready("later"), x -> true);
    assertEquals("TopicNotFound", c.reason(), c.toString());
    assertTrue(c.message().contains("topic later does not exist"), c.message());
    broker.createTopic("later", 2);
    broker.sendAll(List.of(record("later", 0, null, "a"), record("later", 1, null, "b")));
    c =
        waitFor(
            "ServiceNotFound",
            Duration.ofSeconds(30),
            () -> ready("later"),
            x -> "ServiceNotFound".equals(x.reason()));
    assertTrue(c.message().contains("default/fn"), c.message());
    assertTrue(function.received.isEmpty());

    d.onResourceEvent(service("fn"));
    waitFor(
        "both records once the service exists",
        Duration.ofSeconds(30),
        () -> statuses.get("default", "later"),
        x -> x.delivered() == 2 && x.conditions().get(0).isTrue());
    assertEquals(Set.of("a", "b"), Set.copyOf(function.bodies()));
  }

  @Test
  void deliversEveryRecordAtLeastOnceAcrossAKilledDispatcher() throws Exception {
    int count = 3000;
    broker.createTopic("crash", 4);
    function.answer((r, req) -> vertx.setTimer(1, id -> req.response().setStatusCode(200).end()));
    List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      records.add(record("crash", null, "k" + i, "id-" + i));
    }
    broker.sendAll(records);
    Trigger t = trigger("crash", spec("crash", "unordered", 32, retries(3, null), null));
    long t0 = System.nanoTime();
    Dispatcher first = dispatcher();
    first.onResourceEvent(service("fn"));
    first.onResourceEvent(put("triggers", t));
    waitFor(
        "a third delivered", Duration.ofSeconds(60), () -> function.received.size() > count / 3);
    long t1 = System.nanoTime();
    first.kill(); // no commit beyond the periodic ones
    int beforeRestart = function.received.size();
    long t2 = System.nanoTime();

    Dispatcher second = dispatcher();
    second.onResourceEvent(service("fn"));
    second.onResourceEvent(put("triggers", t));
    waitFor(
        "every id delivered",
        Duration.ofSeconds(120),
        () -> function.bodies().stream().distinct().count() == count);
    System.out.printf(
        "first third %d ms, kill %d ms, rest %d ms%n",
        (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (System.nanoTime() - t2) / 1_000_000);
    Map<String, Integer> seen = new HashMap<>();
    function.bodies().forEach(b -> seen.merge(b, 1, Integer::sum));
    long duplicates = seen.values().stream().filter(n -> n > 1).count();
    System.out.printf(
        "at-least-once across a kill: %d records, %d deliveries (%d before the kill), %d ids"
            + " delivered more than once%n",
        count, function.received.size(), beforeRestart, duplicates);
    assertEquals(count, seen.size());
  }
}
