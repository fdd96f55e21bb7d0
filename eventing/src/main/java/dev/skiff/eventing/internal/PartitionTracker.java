package dev.skiff.eventing.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One assigned partition's records between the poll and the commit: those waiting to be sent (a
 * bounded buffer; the consumer pauses the partition when it is full) and those outstanding (sent or
 * waiting, not finished). The offset to commit is the first outstanding one: every record below it
 * is finished, so a crash redelivers from there and never skips. Used by the consumer thread only.
 */
final class PartitionTracker {
  final TopicPartition partition;
  private final Deque<ConsumerRecord<byte[], byte[]>> waiting = new ArrayDeque<>();
  private final TreeSet<Long> outstanding = new TreeSet<>();
  private long next;
  private long committed;
  private int inFlight;

  /**
   * @param position the consumer's position at assignment: the group's committed offset, or where
   *     the reset policy starts
   */
  PartitionTracker(TopicPartition partition, long position) {
    this.partition = partition;
    this.next = position;
    this.committed = position;
  }

  void add(ConsumerRecord<byte[], byte[]> r) {
    if (r.offset() < next) {
      return; // already seen: a re-fetch after a seek
    }
    waiting.add(r);
    outstanding.add(r.offset());
    next = r.offset() + 1;
  }

  /** The offset after the last record fetched: the consumer's position. */
  long fetched() {
    return next;
  }

  int buffered() {
    return waiting.size();
  }

  boolean hasWaiting() {
    return !waiting.isEmpty();
  }

  int inFlight() {
    return inFlight;
  }

  /** Takes the next record to send, in offset order. */
  ConsumerRecord<byte[], byte[]> take() {
    inFlight++;
    return waiting.poll();
  }

  /** Marks a sent record finished (answered, dead-lettered, or dropped by policy). */
  void finish(long offset) {
    if (outstanding.remove(offset)) {
      inFlight--;
    }
  }

  /** The offset a commit should record now: everything below it is finished. */
  long commitPosition() {
    return outstanding.isEmpty() ? next : outstanding.first();
  }

  /** Whether {@link #commitPosition} moved past the last commit. */
  boolean commitDue() {
    return commitPosition() > committed;
  }

  void committed(long offset) {
    committed = Math.max(committed, offset);
  }

  long committed() {
    return committed;
  }
}
