package dev.skiff.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.manifest.Json;
import dev.skiff.api.manifest.Manifests;
import dev.skiff.api.model.Trigger;
import dev.skiff.api.validation.FieldError;
import dev.skiff.api.validation.ResourceValidator;
import dev.skiff.api.validation.ValidationException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TriggerTest {

  private static List<String> fields(String yaml) {
    Trigger t = (Trigger) Manifests.parse(yaml);
    ValidationException e =
        assertThrows(ValidationException.class, () -> ResourceValidator.validate(t));
    return e.errors().stream().map(FieldError::field).sorted().toList();
  }

  @Test
  void validationNamesEveryWrongField() {
    List<String> wrong =
        fields(
            """
            kind: Trigger
            metadata: {name: Bad_Name}
            spec:
              topics: ["ok", "no spaces", "ok"]
              bootstrapServers: "127.0.0.1"
              service: ""
              path: "events"
              initialOffset: newest
              ordering: random
              maxInFlight: 0
              lagThreshold: 0
              replyTopic: ok
              kafka: {group.id: stolen, security.protocol: SSL, sasl.jaas.config: "com.example.Evil required;"}
              delivery: {retry: -1, backoffPolicy: cubic, backoffDelay: soon, deadLetterTopic: "a/b", timeout: PT-1S}
            """);
    assertEquals(
        List.of(
            "metadata.name",
            "spec.bootstrapServers",
            "spec.delivery.backoffDelay",
            "spec.delivery.backoffPolicy",
            "spec.delivery.deadLetterTopic",
            "spec.delivery.retry",
            "spec.delivery.timeout",
            "spec.initialOffset",
            "spec.kafka.group.id",
            "spec.kafka.sasl.jaas.config",
            "spec.lagThreshold",
            "spec.maxInFlight",
            "spec.ordering",
            "spec.path",
            "spec.replyTopic",
            "spec.service",
            "spec.topics[1]",
            "spec.topics[2]"),
        wrong);
  }

  @Test
  void topicIsRequiredAndNotTogetherWithTopics() {
    assertEquals(
        List.of("spec.topic"),
        fields(
            """
            kind: Trigger
            metadata: {name: t}
            spec: {bootstrapServers: "k:9092", service: s}
            """));
    assertEquals(
        List.of("spec.topics"),
        fields(
            """
            kind: Trigger
            metadata: {name: t}
            spec: {topic: a, topics: [b], bootstrapServers: "k:9092", service: s}
            """));
  }

  @Test
  void acceptsSecuritySettingsForTheBroker() {
    Trigger t =
        (Trigger)
            Manifests.parse(
                """
                kind: Trigger
                metadata: {name: t}
                spec:
                  topic: orders
                  bootstrapServers: "broker-1:9093,[::1]:9094"
                  service: billing
                  kafka:
                    security.protocol: SASL_SSL
                    sasl.mechanism: SCRAM-SHA-512
                    sasl.jaas.config: 'org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p;q";'
                    ssl.truststore.location: /etc/kafka/ca.p12
                """);
    ResourceValidator.validate(t);
    assertEquals("SASL_SSL", t.spec().kafka().get("security.protocol"));
  }

  @Test
  void refusesASecondLoginModuleHiddenInTheJaasConfig() {
    List<String> wrong =
        fields(
            """
            kind: Trigger
            metadata: {name: t}
            spec:
              topic: orders
              bootstrapServers: "k:9092"
              service: billing
              kafka:
                sasl.jaas.config: 'org.apache.kafka.common.security.plain.PlainLoginModule required username="u"; com.sun.security.auth.module.JndiLoginModule required;'
                ssl.engine.factory.class: com.example.Evil
            """);
    assertEquals(
        List.of("spec.kafka.sasl.jaas.config", "spec.kafka.ssl.engine.factory.class"), wrong);
  }

  @Test
  void mapsAKnativeKafkaSourceWithAServiceSink() {
    Trigger t =
        (Trigger)
            Manifests.parse(
                """
                apiVersion: sources.knative.dev/v1beta1
                kind: KafkaSource
                metadata:
                  name: orders
                  namespace: shop
                  annotations:
                    kafka.eventing.knative.dev/delivery.order: unordered
                spec:
                  consumerGroup: billing
                  bootstrapServers: [127.0.0.1:9092, 127.0.0.2:9092]
                  topics: [orders, refunds]
                  initialOffset: earliest
                  delivery: {retry: 5, backoffPolicy: linear, backoffDelay: PT0.5S}
                  sink:
                    ref: {apiVersion: serving.knative.dev/v1, kind: Service, name: billing}
                    uri: /events
                """);
    ResourceValidator.validate(t);
    assertEquals("shop", t.metadata().namespace());
    assertEquals(List.of("orders", "refunds"), t.spec().allTopics());
    assertEquals("127.0.0.1:9092,127.0.0.2:9092", t.spec().bootstrapServers());
    assertEquals("billing", t.spec().service());
    assertEquals("/events", t.spec().path());
    assertEquals("billing", t.spec().consumerGroup());
    assertTrue(t.spec().fromEarliest());
    assertEquals("unordered", t.spec().ordering());
    assertEquals(5, t.spec().delivery().retry());
    assertEquals(Map.of(), t.metadata().annotations());
  }

  @Test
  void refusesKafkaSourceFieldsSkiffCannotHonour() {
    ValidationException e =
        assertThrows(
            ValidationException.class,
            () ->
                Manifests.parse(
                    """
                    apiVersion: sources.knative.dev/v1beta1
                    kind: KafkaSource
                    metadata: {name: orders}
                    spec:
                      bootstrapServers: [k:9092]
                      topics: [orders]
                      net: {sasl: {enable: true}}
                      delivery: {deadLetterSink: {uri: http://dlq}}
                      sink: {ref: {kind: Broker, name: default}}
                    """));
    assertEquals(
        List.of("spec.delivery.deadLetterSink", "spec.net", "spec.sink.ref.kind"),
        e.errors().stream().map(FieldError::field).sorted().toList());
  }

  @Test
  void statusRoundTripsThroughJson() {
    Trigger t =
        (Trigger)
            Manifests.parse(
                """
                kind: Trigger
                metadata: {name: t}
                spec: {topic: a, bootstrapServers: "k:9092", service: s}
                status:
                  conditions: [{type: Ready, status: "False", reason: TopicNotFound}]
                  partitions: [{topic: a, partition: 0, committed: 5, end: 9, lag: 4}]
                  lag: 4
                  delivered: 5
                """);
    assertEquals(4, t.status().partitions().get(0).lag());
    Trigger back = Manifests.parseAs(Json.write(t).getBytes(), Trigger.class);
    assertEquals(t.status(), back.status());
  }
}
