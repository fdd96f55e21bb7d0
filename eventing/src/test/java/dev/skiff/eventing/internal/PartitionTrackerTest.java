package dev.skiff.eventing.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PartitionTrackerTest {
  private static ConsumerRecord<byte[], byte[]> at(long offset) {
    return new ConsumerRecord<>("t", 0, offset, null, new byte[0]);
  }

  @Test
  void commitsOnlyTheContiguousPrefixOfFinishedRecords() {
    PartitionTracker t = new PartitionTracker(new TopicPartition("t", 0), 10);
    for (long o = 10; o < 15; o++) {
      t.add(at(o));
    }
    assertEquals(10, t.commitPosition());
    for (int i = 0; i < 5; i++) {
      t.take();
    }
    t.finish(12);
    t.finish(13);
    assertEquals(10, t.commitPosition(), "10 and 11 are not finished: nothing may be committed");
    t.finish(10);
    assertEquals(11, t.commitPosition());
    t.finish(11);
    assertEquals(14, t.commitPosition());
    t.finish(14);
    assertEquals(15, t.commitPosition());
    assertTrue(t.commitDue());
    t.committed(15);
    assertFalse(t.commitDue());
  }

  @Test
  void skipsGapsInOffsetsAndIgnoresRecordsSeenBefore() {
    PartitionTracker t = new PartitionTracker(new TopicPartition("t", 0), 0);
    t.add(at(0));
    t.add(at(5)); // offsets 1-4 are transaction markers or compacted away
    t.add(at(5));
    assertEquals(2, t.buffered());
    t.take();
    t.take();
    t.finish(0);
    assertEquals(5, t.commitPosition());
    t.finish(5);
    assertEquals(6, t.commitPosition());
    assertEquals(0, t.inFlight());
  }
}
