package dev.skiff.eventing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.Condition;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Resource;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import dev.skiff.api.model.Trigger;
import dev.skiff.api.model.TriggerSpec;
import dev.skiff.api.model.TriggerStatus;
import dev.skiff.api.watch.ResourceEvent;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Triggers on a broker that wants SASL (a real KRaft broker with ACLs on, one for the class): the
 * trigger's {@code kafka} settings reach Kafka's client; wrong credentials give a clear state and
 * lose no record once they are fixed.
 */
class TriggerSecurityIT {
  private static final String PLAIN = "org.apache.kafka.common.security.plain.PlainLoginModule";
  private static final String SCRAM = "org.apache.kafka.common.security.scram.ScramLoginModule";

  private static Broker broker;
  private static Vertx vertx;
  private Function function;
  private Dispatcher.MemoryStatusSink statuses;
  private Dispatcher dispatcher;
  private long revision;

  @BeforeAll
  static void startBroker() throws Exception {
    broker = Broker.startSasl();
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
    Function.await(vertx.close());
  }

  @BeforeEach
  void start() {
    function = Function.start(vertx);
    statuses = new Dispatcher.MemoryStatusSink();
    dispatcher =
        Dispatcher.builder()
            .withVertx(vertx)
            .withGateway("127.0.0.1", function::port)
            .withDomain("example.test")
            .withStatusSink(statuses)
            .withCommitPeriod(Duration.ofMillis(200))
            .withStatusPeriod(Duration.ofMillis(300))
            .withConsumerOverrides(
                Map.of("session.timeout.ms", "6000", "heartbeat.interval.ms", "500"))
            .build()
            .start();
    dispatcher.onResourceEvent(
        put(
            "services",
            Service.of(ObjectMeta.of("default", "fn"), new ServiceSpec(null, List.of()))));
  }

  @AfterEach
  void stop() {
    Function.await(dispatcher.close());
    function.close();
  }

  @Test
  void plainWithWrongPasswordSaysAuthenticationFailedAndDeliversEverythingOnceFixed()
      throws Exception {
    broker.createTopic("plain-secured", 3);
    List<String> ids = ids("p", 30);
    broker.sendIds("plain-secured", ids);

    apply("plain", "plain-secured", "PLAIN", jaas(PLAIN, Broker.SUPER_USER, "not-the-password"));
    Condition c = awaitCondition("plain", x -> !x.isTrue() && x.reason() != null);
    assertEquals("AuthenticationFailed", c.reason(), c.toString());
    assertTrue(c.message().contains("spec.kafka"), c.message());
    assertFalse(c.message().contains("not-the-password"), "the password must not be echoed");
    assertTrue(function.received.isEmpty());

    apply(
        "plain",
        "plain-secured",
        "PLAIN",
        jaas(PLAIN, Broker.SUPER_USER, Broker.SUPER_USER_PASSWORD));
    TriggerStatus s = awaitStatus("plain", x -> x.delivered() == ids.size());
    assertTrue(s.conditions().get(0).isTrue(), s.toString());
    assertEquals(Set.copyOf(ids), Set.copyOf(function.bodies()));
  }

  @Test
  void scramSha256CredentialsPassThroughToKafka() throws Exception {
    broker.addScramUser(Broker.SUPER_USER, "scram-secret");
    broker.createTopic("scram-secured", 2);
    List<String> ids = ids("s", 20);
    broker.sendIds("scram-secured", ids);

    apply("scram", "scram-secured", "SCRAM-SHA-256", jaas(SCRAM, Broker.SUPER_USER, "wrong"));
    Condition c = awaitCondition("scram", x -> !x.isTrue() && x.reason() != null);
    assertEquals("AuthenticationFailed", c.reason(), c.toString());
    assertTrue(function.received.isEmpty());

    apply(
        "scram", "scram-secured", "SCRAM-SHA-256", jaas(SCRAM, Broker.SUPER_USER, "scram-secret"));
    awaitStatus("scram", x -> x.delivered() == ids.size());
    assertEquals(Set.copyOf(ids), Set.copyOf(function.bodies()));
  }

  @Test
  void aUserWithoutAclsSaysNotAuthorized() throws Exception {
    broker.createTopic("acl-secured", 1);
    broker.sendIds("acl-secured", List.of("a1"));
    apply("acl", "acl-secured", "PLAIN", jaas(PLAIN, "plain-user1", "plain-user1-secret"));
    Condition c = awaitCondition("acl", x -> !x.isTrue() && x.reason() != null);
    assertEquals("NotAuthorized", c.reason(), c.toString());
    assertTrue(c.message().contains("ACL"), c.message());
    assertTrue(function.received.isEmpty());
  }

  private static List<String> ids(String prefix, int n) {
    return IntStream.range(0, n).mapToObj(i -> prefix + i).toList();
  }

  private static String jaas(String module, String user, String password) {
    return module + " required username=\"" + user + "\" password=\"" + password + "\";";
  }

  private void apply(String name, String topic, String mechanism, String jaas) {
    TriggerSpec spec =
        new TriggerSpec(
            topic,
            null,
            broker.bootstrap(),
            "fn",
            "/events",
            null,
            "earliest",
            "unordered",
            null,
            null,
            null,
            Map.of(
                "security.protocol", "SASL_PLAINTEXT",
                "sasl.mechanism", mechanism,
                "sasl.jaas.config", jaas),
            null);
    long gen = ++revision;
    ObjectMeta m = new ObjectMeta(name, "default", gen, gen, "uid-" + name, null, null, null);
    dispatcher.onResourceEvent(put("triggers", Trigger.of(m, spec)));
  }

  private ResourceEvent put(String plural, Resource r) {
    return new ResourceEvent(
        ResourceEvent.Type.PUT,
        r.kind(),
        "/skiff/" + plural + "/" + r.metadata().namespaceOrDefault() + "/" + r.metadata().name(),
        ++revision,
        Json.mapper().valueToTree(r));
  }

  private Condition awaitCondition(String trigger, Predicate<Condition> ok)
      throws InterruptedException {
    TriggerStatus s =
        awaitStatus(trigger, x -> !x.conditions().isEmpty() && ok.test(x.conditions().get(0)));
    return s.conditions().get(0);
  }

  private TriggerStatus awaitStatus(String trigger, Predicate<TriggerStatus> ok)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    TriggerStatus s = statuses.get("default", trigger);
    while (s == null || !ok.test(s)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting on trigger " + trigger + "; last status " + s);
      }
      Thread.sleep(20);
      s = statuses.get("default", trigger);
    }
    return s;
  }
}
