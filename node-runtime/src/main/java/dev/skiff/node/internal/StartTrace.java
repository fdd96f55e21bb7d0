package dev.skiff.node.internal;

import java.lang.System.Logger.Level;
import java.util.Locale;

/**
 * Where one instance start's time went on the agent, logged at DEBUG on the {@code skiff.coldstart}
 * logger (skiffd: {@code --log-level info,skiff.coldstart=debug}) once its endpoint is published,
 * in milliseconds from the scaler's call: the hop to the agent's context, the backend's start, the
 * front's opening, the hop back, the publication (which tells the endpoint's watchers, the
 * activator among them, before it returns). {@code t0} is the call's {@link System#nanoTime},
 * comparable with the activator's trace of the same process. Nothing is stamped while the logger is
 * off.
 *
 * <p>Stamps come from the agent's context and from whichever thread completes the backend's start;
 * they are volatile so the agent's log reads them all.
 */
public final class StartTrace {
  static final String LOGGER = "skiff.coldstart";
  private static final System.Logger LOG = System.getLogger(LOGGER);

  private static final java.lang.management.ThreadMXBean THREADS =
      java.lang.management.ManagementFactory.getThreadMXBean();

  private final long scaled;
  private final long asked;
  private final Thread askedOn = Thread.currentThread();
  private final long askedCpu = THREADS.getCurrentThreadCpuTime();
  private volatile long frontCpu = -1;
  private volatile long backendDone;
  private volatile long frontOpened;
  private volatile long onAgent;

  private StartTrace(long scaled, long asked) {
    this.scaled = scaled;
    this.asked = asked;
  }

  /**
   * A trace of a start the agent asks for now, after the scaler asked at {@code scaled} (0 when
   * unknown); null when tracing is off.
   */
  static StartTrace startIfEnabled(long scaled) {
    if (!LOG.isLoggable(Level.DEBUG)) {
      return null;
    }
    long now = System.nanoTime();
    return new StartTrace(scaled == 0 ? now : scaled, now);
  }

  void backendDone() {
    backendDone = System.nanoTime();
  }

  void frontOpened() {
    frontOpened = System.nanoTime();
    if (Thread.currentThread() == askedOn) {
      frontCpu = THREADS.getCurrentThreadCpuTime() - askedCpu;
    }
  }

  void onAgent() {
    onAgent = System.nanoTime();
  }

  /** Logs the trace of instance {@code id}, published just now. */
  void published(String id, boolean cold) {
    long published = System.nanoTime();
    LOG.log(
        Level.DEBUG,
        () ->
            String.format(
                Locale.ROOT,
                "agent %s%s: on the agent %s, backend started %s, front open %s, back on the"
                    + " agent %s, published %s ms (t0 %d; cpu until the front opened %s ms; on %s)",
                id,
                cold ? " (cold)" : "",
                ms(asked),
                ms(backendDone),
                ms(frontOpened),
                ms(onAgent),
                ms(published),
                scaled,
                frontCpu < 0 ? "-" : String.format(Locale.ROOT, "%.3f", frontCpu / 1e6),
                askedOn.getName()));
  }

  private String ms(long stamp) {
    return stamp == 0 ? "-" : String.format(Locale.ROOT, "%.3f", (stamp - scaled) / 1e6);
  }
}
