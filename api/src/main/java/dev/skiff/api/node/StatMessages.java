package dev.skiff.api.node;

import com.google.protobuf.Timestamp;
import dev.skiff.api.stats.InvalidStatException;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.api.stats.Stat;
import java.time.Instant;

/**
 * Maps api's {@link Stat} record to its wire form in the node protocol ({@code
 * dev.skiff.api.node.v1.Stat}) and back. Reading checks what the record's constructor checks, so a
 * report off the wire is as valid as one made in process.
 */
public final class StatMessages {
  private StatMessages() {}

  /** The wire form of {@code s}. */
  public static dev.skiff.api.node.v1.Stat toMessage(Stat s) {
    return dev.skiff.api.node.v1.Stat.newBuilder()
        .setNamespace(s.revision().namespace())
        .setRevision(s.revision().name())
        .setInstance(s.instance())
        .setTime(timestamp(s.time()))
        .setAverageConcurrency(s.averageConcurrency())
        .setAverageProxiedConcurrency(s.averageProxiedConcurrency())
        .setPeakConcurrency(s.peakConcurrency())
        .setRequestCount(s.requestCount())
        .setProxiedRequestCount(s.proxiedRequestCount())
        .setProcessUptimeSeconds(s.processUptimeSeconds())
        .build();
  }

  /**
   * The record a wire report stands for; fails with {@link InvalidStatException} naming the field
   * when one is missing or out of range.
   */
  public static Stat fromMessage(dev.skiff.api.node.v1.Stat m) {
    if (m.getNamespace().isEmpty() || m.getRevision().isEmpty()) {
      throw new InvalidStatException(
          "a stat needs namespace and revision; got '"
              + m.getNamespace()
              + "' and '"
              + m.getRevision()
              + "'");
    }
    if (!m.hasTime()) {
      throw new InvalidStatException("a stat needs its time (field 4, time)");
    }
    return Stat.builder(
            RevisionKey.of(m.getNamespace(), m.getRevision()),
            m.getInstance(),
            instant(m.getTime()))
        .withAverageConcurrency(m.getAverageConcurrency())
        .withAverageProxiedConcurrency(m.getAverageProxiedConcurrency())
        .withPeakConcurrency(m.getPeakConcurrency())
        .withRequestCount(m.getRequestCount())
        .withProxiedRequestCount(m.getProxiedRequestCount())
        .withProcessUptimeSeconds(m.getProcessUptimeSeconds())
        .build();
  }

  /** {@code t} as a protobuf timestamp. */
  public static Timestamp timestamp(Instant t) {
    return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
  }

  /** {@code t} as an instant; fails with {@link InvalidStatException} when out of range. */
  public static Instant instant(Timestamp t) {
    if (t.getNanos() < 0 || t.getNanos() > 999_999_999) {
      throw new InvalidStatException(
          "a timestamp's nanos must be 0..999999999, got " + t.getNanos());
    }
    try {
      return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    } catch (java.time.DateTimeException e) {
      throw new InvalidStatException("timestamp out of range: " + t.getSeconds() + " s");
    }
  }
}
