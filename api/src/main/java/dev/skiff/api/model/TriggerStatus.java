package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * What the eventing dispatcher observed of a trigger. Written only by Skiff's own components
 * through {@code PUT .../triggers/{name}/status}; counters count since the dispatcher started.
 *
 * @param observedGeneration the spec generation the dispatcher runs
 * @param conditions {@code Ready}, with a reason when False (BootstrapUnreachable, TopicNotFound,
 *     ServiceNotFound, InvalidKafkaConfig)
 * @param partitions lag per assigned partition
 * @param lag the sum of the partitions' lag
 * @param delivered events answered 2xx
 * @param lastDeliveredAt when {@code delivered} reached its value (the last 2xx answer counted), so
 *     a rate can be read from the status although it is written only periodically
 * @param retried attempts that were retried
 * @param deadLettered events written to the dead-letter topic
 * @param dropped events that failed with no dead-letter topic to take them
 * @param replied replies published to the reply topic
 * @param malformed records with CloudEvent headers that did not make a valid CloudEvent (delivered
 *     as plain records)
 * @param lastError the last delivery problem, for people
 * @param lastErrorTime when it happened
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TriggerStatus(
    Long observedGeneration,
    List<Condition> conditions,
    List<PartitionLag> partitions,
    Long lag,
    Long delivered,
    Instant lastDeliveredAt,
    Long retried,
    Long deadLettered,
    Long dropped,
    Long replied,
    Long malformed,
    String lastError,
    Instant lastErrorTime) {

  public TriggerStatus {
    conditions = conditions == null ? List.of() : List.copyOf(conditions);
    partitions = partitions == null ? List.of() : List.copyOf(partitions);
  }

  /**
   * One partition's position.
   *
   * @param topic the topic
   * @param partition the partition number
   * @param committed the next offset the group will read after a restart
   * @param end the partition's end offset when last looked at
   * @param lag {@code end - committed}
   */
  public record PartitionLag(String topic, int partition, long committed, long end, long lag) {}
}
