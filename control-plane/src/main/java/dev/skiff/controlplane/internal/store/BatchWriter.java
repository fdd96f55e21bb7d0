package dev.skiff.controlplane.internal.store;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Appends a batch to the log as one buffer and fsyncs it, measuring writes, batch sizes and fsync
 * latency.
 */
final class BatchWriter {
  private final Counter writes;
  private final DistributionSummary batchSize;
  private final Timer fsync;

  BatchWriter(MeterRegistry registry) {
    writes =
        Counter.builder("skiff.store.writes")
            .description("durable store writes")
            .register(registry);
    batchSize =
        DistributionSummary.builder("skiff.store.batch.size")
            .description("writes made durable by one fsync (group commit)")
            .register(registry);
    fsync =
        Timer.builder("skiff.store.fsync")
            .description("time to fsync the log")
            .publishPercentiles(0.5, 0.99)
            .register(registry);
  }

  /** Writes {@code records} as one buffer and fsyncs; durable when this returns. */
  void append(LogSegment segment, List<LogRecord> records) throws IOException {
    int size = 0;
    for (LogRecord r : records) {
      size += r.framedSize();
    }
    ByteBuffer buf = ByteBuffer.allocate(size);
    for (LogRecord r : records) {
      r.writeTo(buf);
    }
    segment.append(buf.flip());
    long start = System.nanoTime();
    segment.sync();
    fsync.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    writes.increment(records.size());
    batchSize.record(records.size());
  }
}
