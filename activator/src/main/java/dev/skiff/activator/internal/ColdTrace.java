package dev.skiff.activator.internal;

import java.lang.System.Logger.Level;
import java.util.Locale;

/**
 * Where the activator's part of one cold request's time went: logged at DEBUG on the {@value
 * #LOGGER} logger (skiffd: {@code --log-level info,skiff.coldstart=debug}) when the request ends,
 * in milliseconds from its arrival. The node agent logs its own part of the start on the same
 * logger; {@code t0} is the arrival's {@link System#nanoTime}, so the lines of one process can be
 * put side by side. Only requests that waited in the queue are traced, and only while the logger is
 * enabled: otherwise nothing is stamped.
 *
 * <p>Stamps are written by the request's own thread, except {@link #granted}, written by the thread
 * that granted the slot before it hands the request back to its event loop (which orders it before
 * the log).
 */
final class ColdTrace {
  /** The logger every component's cold-start trace goes to. */
  static final String LOGGER = "skiff.coldstart";

  private static final System.Logger LOG = System.getLogger(LOGGER);

  private final long arrived;
  private long queued;
  private long pokeStarted;
  private long pokeEnded;
  private volatile long granted;
  private long resumed;
  private long handed;

  // Which threads poked and granted: the same event loop when the agent ran on the request's.
  private volatile String pokedOn = "-";
  private volatile String grantedOn = "-";

  private ColdTrace(long arrived) {
    this.arrived = arrived;
  }

  /** A trace for a request that arrived at {@code arrived}, or null when tracing is off. */
  static ColdTrace startIfEnabled(long arrived) {
    return LOG.isLoggable(Level.DEBUG) ? new ColdTrace(arrived) : null;
  }

  void queued(long at) {
    queued = at;
  }

  /** This request poked the autoscaler, from {@code started} to now. */
  void poked(long started) {
    pokeStarted = started;
    pokeEnded = System.nanoTime();
    pokedOn = Thread.currentThread().getName();
  }

  void granted() {
    granted = System.nanoTime();
    grantedOn = Thread.currentThread().getName();
  }

  void resumed() {
    resumed = System.nanoTime();
  }

  void handed() {
    handed = System.nanoTime();
  }

  /** Logs the trace of a request for {@code revision} that is over now. */
  void log(String revision, String requestId, boolean served) {
    long ended = System.nanoTime();
    LOG.log(
        Level.DEBUG,
        () ->
            String.format(
                Locale.ROOT,
                "activator %s request %s %s: queued %s, poke %s-%s, granted %s, on its loop %s,"
                    + " handed to the instance %s, ended %s ms (t0 %d; poked on %s, granted on %s)",
                revision,
                requestId == null ? "-" : requestId,
                served ? "served" : "failed",
                ms(queued),
                ms(pokeStarted),
                ms(pokeEnded),
                ms(granted),
                ms(resumed),
                ms(handed),
                ms(ended),
                arrived,
                pokedOn,
                grantedOn));
  }

  private String ms(long stamp) {
    return stamp == 0 ? "-" : String.format(Locale.ROOT, "%.3f", (stamp - arrived) / 1e6);
  }
}
