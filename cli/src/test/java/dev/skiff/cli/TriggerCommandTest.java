package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.Trigger;
import dev.skiff.api.model.TriggerStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TriggerCommandTest extends CliTestCase {

  @Test
  void createsListsDescribesAndDeletesATrigger() {
    ok(
        "trigger",
        "create",
        "orders",
        "--bootstrap",
        "127.0.0.1:9092",
        "--topic",
        "orders",
        "--topic",
        "refunds",
        "--service",
        "billing",
        "--ordering",
        "unordered",
        "--max-in-flight",
        "50",
        "--retry",
        "5",
        "--backoff-policy",
        "linear",
        "--backoff-delay",
        "500ms",
        "--timeout",
        "10s",
        "--dead-letter-topic",
        "orders-dlq",
        "--reply-topic",
        "orders-replies",
        "--initial-offset",
        "earliest",
        "--kafka-property",
        "security.protocol=SASL_SSL");
    Trigger t = controlPlane.trigger("default", "orders").orElseThrow();
    assertEquals(List.of("orders", "refunds"), t.spec().allTopics());
    assertEquals("PT0.5S", t.spec().delivery().backoffDelay());
    assertEquals("PT10S", t.spec().delivery().timeout());
    assertEquals("SASL_SSL", t.spec().kafka().get("security.protocol"));

    String list = ok("trigger", "list").out();
    assertTrue(list.contains("orders,refunds") && list.contains("Unknown"), list);

    controlPlane.triggerStatus(
        "default",
        "orders",
        new TriggerStatus(
            1L,
            List.of(Condition.ready(false, "TopicNotFound", "topic refunds does not exist", null)),
            List.of(new TriggerStatus.PartitionLag("orders", 0, 7, 10, 3)),
            3L,
            7L,
            Instant.parse("2026-01-01T00:00:05Z"),
            2L,
            1L,
            0L,
            0L,
            0L,
            "orders/0@4: 500 from billing",
            Instant.parse("2026-01-01T00:00:00Z")));
    String described = ok("trigger", "describe", "orders").out();
    assertTrue(
        described.contains("Not ready: TopicNotFound: topic refunds does not exist"), described);
    assertTrue(described.contains("delivered 7, retried 2, dead-lettered 1"), described);
    assertTrue(described.contains("orders/0@4: 500 from billing"), described);
    assertTrue(described.contains("Delivered at: 2026-01-01T00:00:05Z"), described);
    assertTrue(described.matches("(?s).*orders\\s+0\\s+7\\s+10\\s+3.*"), described);
    assertEquals(
        3, ok("trigger", "describe", "orders", "-o", "json").json().at("/status/lag").asInt());

    ok("trigger", "delete", "orders");
    assertTrue(controlPlane.trigger("default", "orders").isEmpty());
  }

  @Test
  void refusesABadTriggerNamingEachWrongFlag() {
    CliRunner.Result r =
        cli.run(
            "trigger",
            "create",
            "orders",
            "--bootstrap",
            "nohost",
            "--topic",
            "a b",
            "--service",
            "billing",
            "--ordering",
            "sideways");
    assertEquals(1, r.code(), r.toString());
    assertTrue(r.err().contains("spec.bootstrapServers"), r.err());
    assertTrue(r.err().contains("spec.topic"), r.err());
    assertTrue(r.err().contains("spec.ordering"), r.err());
    assertTrue(controlPlane.trigger("default", "orders").isEmpty());
  }

  @Test
  void appliesAKnativeKafkaSource() throws Exception {
    java.nio.file.Path file = dir.resolve("source.yaml");
    java.nio.file.Files.writeString(
        file,
        """
        apiVersion: sources.knative.dev/v1beta1
        kind: KafkaSource
        metadata: {name: orders}
        spec:
          bootstrapServers: [127.0.0.1:9092]
          topics: [orders]
          sink: {ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: billing}}
        """);
    assertEquals("trigger/orders created\n", ok("apply", "-f", file.toString()).out());
    assertEquals(
        "billing", controlPlane.trigger("default", "orders").orElseThrow().spec().service());
  }
}
