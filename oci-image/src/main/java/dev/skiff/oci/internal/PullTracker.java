package dev.skiff.oci.internal;

import dev.skiff.oci.Descriptor;
import dev.skiff.oci.PullProgress;
import io.vertx.core.Vertx;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongConsumer;

/**
 * Counts one pull's layer bytes and tells a {@link PullProgress} about them from a timer: the
 * downloads only set an atomic per chunk, the timer reads them a few times a second and reports
 * when something changed, and {@link #finish} reports the end. Reports nothing when no layer had to
 * be downloaded.
 */
public final class PullTracker {
  private static final System.Logger LOG = System.getLogger(PullTracker.class.getName());

  private final Vertx vertx;
  private final String reference;
  private final PullProgress listener;
  private final long[] sizes;
  private final long total;
  private final AtomicLongArray received;
  private final AtomicIntegerArray done;
  private final long timer;
  private volatile boolean fetching;
  private long lastBytes = -1;
  private int lastLayers = -1;
  private boolean finished;

  private PullTracker(
      Vertx vertx,
      Duration interval,
      String reference,
      List<Descriptor> layers,
      PullProgress listener) {
    this.vertx = vertx;
    this.reference = reference;
    this.listener = listener;
    this.sizes = layers.stream().mapToLong(d -> Math.max(0, d.size())).toArray();
    long sum = 0;
    for (long s : sizes) {
      sum += s;
    }
    this.total = sum;
    this.received = new AtomicLongArray(sizes.length);
    this.done = new AtomicIntegerArray(sizes.length);
    this.timer =
        listener == PullProgress.NONE
            ? -1
            : vertx.setPeriodic(Math.max(1, interval.toMillis()), id -> report(false));
  }

  /** Starts tracking a pull of {@code layers} (the manifest's descriptors, lowest first). */
  public static PullTracker start(
      Vertx vertx,
      Duration interval,
      String reference,
      List<Descriptor> layers,
      PullProgress listener) {
    return new PullTracker(vertx, interval, reference, layers, listener);
  }

  /** Where layer {@code i}'s download reports the bytes it has on disk. */
  public LongConsumer bytes(int i) {
    return n -> {
      fetching = true;
      received.set(i, Math.min(n, sizes[i]));
    };
  }

  /** Layer {@code i} is downloaded and unpacked, or was in the store. */
  public void layerDone(int i) {
    received.set(i, sizes[i]);
    done.set(i, 1);
  }

  /** Stops the timer; after a successful pull that downloaded something, reports the end. */
  public void finish(boolean succeeded) {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (succeeded) {
      report(true);
    } else {
      synchronized (this) {
        finished = true;
      }
    }
  }

  /** Reports unless nothing changed; the last report ends them (a late tick stays quiet). */
  private synchronized void report(boolean last) {
    if (finished) {
      return;
    }
    finished = last;
    if (!fetching) {
      return;
    }
    long bytes = 0;
    int layers = 0;
    for (int i = 0; i < sizes.length; i++) {
      bytes += received.get(i);
      layers += done.get(i);
    }
    if (!last && bytes == lastBytes && layers == lastLayers) {
      return;
    }
    lastBytes = bytes;
    lastLayers = layers;
    try {
      listener.onProgress(
          new PullProgress.Status(reference, bytes, total, layers, sizes.length, last));
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "a pull progress listener failed; ignoring it", e);
    }
  }
}
