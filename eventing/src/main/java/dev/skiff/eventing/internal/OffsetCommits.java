package dev.skiff.eventing.internal;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * Commits each partition's finished prefix ({@link PartitionTracker#commitPosition}), never more.
 * The periodic commit does not wait for the broker: the consumer thread goes on refilling
 * deliveries meanwhile (a commit waited for took 5-85 ms on a loaded machine, long enough for the
 * events in flight to run out), and a partition counts as committed only once the broker has
 * answered (Kafka runs the callback inside a later {@code poll} or commit, on this thread). At most
 * one periodic commit is outstanding. On revoke and close the commit waits, as before. Used by the
 * consumer thread only.
 */
final class OffsetCommits {
  private final Consumer<?, ?> consumer;
  private final TriggerCounters counters;
  private boolean outstanding;

  OffsetCommits(Consumer<?, ?> consumer, TriggerCounters counters) {
    this.consumer = consumer;
    this.counters = counters;
  }

  /** The periodic commit: sent, not waited for; skipped while the last one is unanswered. */
  void periodic(Collection<PartitionTracker> which) {
    if (outstanding) {
      return;
    }
    Map<TopicPartition, OffsetAndMetadata> offsets = due(which);
    if (offsets.isEmpty()) {
      return;
    }
    List<PartitionTracker> sent = List.copyOf(which);
    outstanding = true;
    try {
      consumer.commitAsync(
          offsets,
          (done, e) -> {
            outstanding = false;
            if (e == null) {
              recorded(sent, offsets);
            } else {
              failed(e);
            }
          });
    } catch (WakeupException e) {
      outstanding = false;
      throw e;
    } catch (KafkaException e) {
      outstanding = false;
      failed(e);
    }
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
