package dev.skiff.eventing.internal;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Commits each partition's finished prefix ({@link PartitionTracker#commitPosition}), never more.
 * Used by the consumer thread only.
 */
final class OffsetCommits {
  private final Consumer<?, ?> consumer;
  private final TriggerCounters counters;

  OffsetCommits(Consumer<?, ?> consumer, TriggerCounters counters) {
    this.consumer = consumer;
    this.counters = counters;
  }

  /** The periodic commit. */
  void periodic(Collection<PartitionTracker> which) {
    now(which);
  }

  /** On revoke and close: waits for the broker (up to 10 s). */
  void now(Collection<PartitionTracker> which) {
    Map<TopicPartition, OffsetAndMetadata> offsets = due(which);
    if (offsets.isEmpty()) {
      return;
    }
    try {
      consumer.commitSync(offsets, Duration.ofSeconds(10));
      recorded(which, offsets);
    } catch (WakeupException e) {
      throw e;
    } catch (KafkaException e) {
      failed(e);
    }
  }

  private static Map<TopicPartition, OffsetAndMetadata> due(Collection<PartitionTracker> which) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (PartitionTracker t : which) {
      if (t.commitDue()) {
        offsets.put(t.partition, new OffsetAndMetadata(t.commitPosition()));
      }
    }
    return offsets;
  }

  private static void recorded(
      Collection<PartitionTracker> which, Map<TopicPartition, OffsetAndMetadata> offsets) {
    for (PartitionTracker t : which) {
      OffsetAndMetadata o = offsets.get(t.partition);
      if (o != null) {
        t.committed(o.offset());
      }
    }
  }

  private void failed(Exception e) {
    counters.error(
        "commit failed (the records will be committed later): " + TriggerConsumer.rootMessage(e));
  }
}
