package dev.skiff.eventing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.junit.jupiter.api.Test;

class OffsetCommitsTest {
  private static final TopicPartition P0 = new TopicPartition("t", 0);

  /** A broker that has not answered yet: asynchronous commits wait until the test answers. */
  private static final class SlowBroker extends MockConsumer<byte[], byte[]> {
    final List<Map<TopicPartition, OffsetAndMetadata>> sync = new ArrayList<>();
    final List<Map<TopicPartition, OffsetAndMetadata>> async = new ArrayList<>();
    final List<OffsetCommitCallback> callbacks = new ArrayList<>();

    SlowBroker() {
      super("earliest");
    }

    @Override
    public void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
      sync.add(Map.copyOf(offsets));
    }

    @Override
    public synchronized void commitAsync(
        Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
      async.add(Map.copyOf(offsets));
      callbacks.add(callback);
    }

    void answer(int i, Exception e) {
      callbacks.get(i).onComplete(async.get(i), e);
    }
  }

  private static PartitionTracker tracker(int records, long... finished) {
    PartitionTracker t = new PartitionTracker(P0, 0);
    for (long o = 0; o < records; o++) {
      t.add(new ConsumerRecord<>("t", 0, o, null, new byte[0]));
      t.take();
    }
    for (long o : finished) {
      t.finish(o);
    }
    return t;
  }

  @Test
  void periodicCommitDoesNotWaitForTheBrokerAndRecordsItsAnswer() {
    SlowBroker broker = new SlowBroker();
    OffsetCommits commits = new OffsetCommits(broker, new TriggerCounters(Clock.systemUTC()));
    PartitionTracker t = tracker(5, 0, 1, 2, 4);

    commits.periodic(List.of(t));

    assertEquals(List.of(), broker.sync, "the periodic commit waited for the broker");
    assertEquals(List.of(Map.of(P0, new OffsetAndMetadata(3))), broker.async);
    assertEquals(0, t.committed(), "recorded as committed before the broker answered");
    commits.periodic(List.of(t));
    assertEquals(1, broker.async.size(), "a second periodic commit while one is outstanding");

    broker.answer(0, null);
    assertEquals(3, t.committed());
    t.finish(3);
    commits.periodic(List.of(t));
    assertEquals(Map.of(P0, new OffsetAndMetadata(5)), broker.async.get(1));
  }

  @Test
  void failedPeriodicCommitKeepsThePositionAndIsSentAgain() {
    SlowBroker broker = new SlowBroker();
    TriggerCounters counters = new TriggerCounters(Clock.systemUTC());
    OffsetCommits commits = new OffsetCommits(broker, counters);
    PartitionTracker t = tracker(3, 0, 1);

    commits.periodic(List.of(t));
    broker.answer(0, new RebalanceInProgressException("rebalancing"));

    assertEquals(0, t.committed());
    assertNotNull(counters.lastError());
    assertTrue(counters.lastError().contains("commit failed"), counters.lastError());
    commits.periodic(List.of(t));
    assertEquals(List.of(Map.of(P0, new OffsetAndMetadata(2))), broker.async.subList(1, 2));
  }

  @Test
  void commitOnRevokeAndCloseWaitsForTheBroker() {
    SlowBroker broker = new SlowBroker();
    OffsetCommits commits = new OffsetCommits(broker, new TriggerCounters(Clock.systemUTC()));
    PartitionTracker t = tracker(4, 0, 2, 3);

    commits.now(List.of(t));

    assertEquals(List.of(Map.of(P0, new OffsetAndMetadata(1))), broker.sync);
    assertEquals(1, t.committed(), "1 is unfinished: nothing past it may be committed");
  }
}
