package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A Kafka topic feeding a service with CloudEvents.
 *
 * @param topic the Kafka topic
 * @param bootstrapServers Kafka bootstrap servers, {@code host:port[,host:port]}
 * @param service the service receiving the events (same namespace)
 * @param path the request path, default {@code /}
 * @param consumerGroup default {@code skiff-{namespace}-{trigger}}
 * @param delivery retries, backoff and dead-letter topic
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TriggerSpec(
    String topic,
    String bootstrapServers,
    String service,
    String path,
    String consumerGroup,
    DeliverySpec delivery) {}
