package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Kafka topics feeding a service with CloudEvents.
 *
 * @param topic one Kafka topic (shorthand for a one-element {@code topics})
 * @param topics the Kafka topics; give {@code topic} or {@code topics}
 * @param bootstrapServers Kafka bootstrap servers, {@code host:port[,host:port]}
 * @param service the service receiving the events (same namespace)
 * @param path the request path, default {@code /}
 * @param consumerGroup default {@code skiff-{namespace}-{trigger}}
 * @param initialOffset where a new consumer group starts: {@code latest} (default) or {@code
 *     earliest}
 * @param ordering {@code ordered} (default: per partition one event in flight, in offset order) or
 *     {@code unordered} (up to {@code maxInFlight} across partitions)
 * @param maxInFlight events in flight at once in unordered mode, default 100
 * @param replyTopic where CloudEvents the service answers with are published
 * @param lagThreshold records of lag per desired instance (KEDA's rule), default 10
 * @param kafka Kafka client properties for broker security only ({@code security.protocol}, {@code
 *     sasl.*}, {@code ssl.*})
 * @param delivery retries, backoff, timeout and dead-letter topic
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record TriggerSpec(
    String topic,
    List<String> topics,
    String bootstrapServers,
    String service,
    String path,
    String consumerGroup,
    String initialOffset,
    String ordering,
    Integer maxInFlight,
    String replyTopic,
    Integer lagThreshold,
    Map<String, String> kafka,
    DeliverySpec delivery) {

  public static final int DEFAULT_MAX_IN_FLIGHT = 100;
  public static final int DEFAULT_LAG_THRESHOLD = 10;

  public TriggerSpec {
    topics = topics == null ? List.of() : List.copyOf(topics);
    kafka = kafka == null ? Map.of() : Map.copyOf(kafka);
  }

  /** The spec of the original shape: one topic, no ordering or reply settings. */
  public TriggerSpec(
      String topic,
      String bootstrapServers,
      String service,
      String path,
      String consumerGroup,
      DeliverySpec delivery) {
    this(
        topic,
        null,
        bootstrapServers,
        service,
        path,
        consumerGroup,
        null,
        null,
        null,
        null,
        null,
        null,
        delivery);
  }

  /** Every topic, {@code topic} first. */
  @JsonIgnore
  public List<String> allTopics() {
    List<String> all = new ArrayList<>();
    if (topic != null && !topic.isEmpty()) {
      all.add(topic);
    }
    all.addAll(topics);
    return List.copyOf(all);
  }

  @JsonIgnore
  public boolean ordered() {
    return ordering == null || ordering.equals("ordered");
  }

  @JsonIgnore
  public int maxInFlightOrDefault() {
    return maxInFlight == null ? DEFAULT_MAX_IN_FLIGHT : maxInFlight;
  }

  @JsonIgnore
  public int lagThresholdOrDefault() {
    return lagThreshold == null ? DEFAULT_LAG_THRESHOLD : lagThreshold;
  }

  @JsonIgnore
  public boolean fromEarliest() {
    return "earliest".equals(initialOffset);
  }

  @JsonIgnore
  public String pathOrDefault() {
    return path == null || path.isEmpty() ? "/" : path;
  }

  @JsonIgnore
  public DeliverySpec deliveryOrDefault() {
    return delivery == null ? new DeliverySpec(null, null, null, null, null) : delivery;
  }

  /** The consumer group: the given one, or {@code skiff-{namespace}-{trigger}}. */
  public String consumerGroupFor(String namespace, String trigger) {
    return consumerGroup == null || consumerGroup.isEmpty()
        ? "skiff-" + namespace + "-" + trigger
        : consumerGroup;
  }
}
