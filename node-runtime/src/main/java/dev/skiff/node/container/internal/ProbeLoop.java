package dev.skiff.node.container.internal;

import dev.skiff.api.model.Probe;
import java.time.Duration;
import java.util.function.IntSupplier;

/**
 * The probes of one ready container, until it exits: its liveness probe (after {@code
 * failureThreshold} failures in a row the container is killed, so the agent restarts it with
 * backoff) and its readiness probe (after {@code failureThreshold} failures it leaves the
 * endpoints, after {@code successThreshold} successes it returns). Each probe's next run is timed
 * after the last one ended, so a slow probe never overlaps itself. Runs on the backend's event
 * loop.
 */
public final class ProbeLoop {
  /** Between readiness probes of a ready instance whose probe sets no period (Kubernetes' 10 s). */
  static final Duration DEFAULT_PERIOD = Duration.ofSeconds(10);

  private final Host host;
  private final ContainerProber prober;
  private final RunningContainer c;

  private ProbeLoop(Host host, ContainerProber prober, RunningContainer c) {
    this.host = host;
    this.prober = prober;
    this.c = c;
  }

  /**
   * Starts the loops the probes ask for.
   *
   * @param sinceStartMs how long the container has run, counted against {@code initialDelaySeconds}
   */
  public static void start(
      Host host,
      ContainerProber prober,
      RunningContainer c,
      Probe readiness,
      Probe liveness,
      long sinceStartMs) {
    ProbeLoop loop = new ProbeLoop(host, prober, c);
    if (liveness != null) {
      long delay =
          Math.max(
              Duration.ofSeconds(liveness.initialDelayOrDefault()).toMillis() - sinceStartMs,
              Duration.ofSeconds(liveness.periodOrDefault()).toMillis());
      loop.liveness(liveness, delay, 0);
    }
    if (readiness != null) {
      loop.readiness(readiness, period(readiness), 0, 0, true);
    }
  }

  private static long period(Probe p) {
    return p.periodSeconds() == null || p.periodSeconds() == 0
        ? DEFAULT_PERIOD.toMillis()
        : Duration.ofSeconds(p.periodSeconds()).toMillis();
  }

  private void after(long ms, Runnable r) {
    host.vertx()
        .setTimer(
            Math.max(1, ms),
            t -> {
              if (!c.processEnded()) {
                r.run();
              }
            });
  }

  private void liveness(Probe p, long delayMs, int failures) {
    after(
        delayMs,
        () ->
            prober
                .once(c, p)
                .onComplete(
                    ar -> {
                      int f = ar.result() ? 0 : failures + 1;
                      if (f >= p.failureThresholdOrDefault()) {
                        c.killFor(
                            "LivenessProbeFailed",
                            "the liveness probe ("
                                + describe(p)
                                + ") failed "
                                + f
                                + " times in a row; the container was killed and is restarted");
                        return;
                      }
                      liveness(p, Duration.ofSeconds(p.periodOrDefault()).toMillis(), f);
                    }));
  }

  private void readiness(Probe p, long delayMs, int failures, int successes, boolean ready) {
    IntSupplier threshold =
        () -> ready ? p.failureThresholdOrDefault() : p.successThresholdOrDefault();
    after(
        delayMs,
        () ->
            prober
                .once(c, p)
                .onComplete(
                    ar -> {
                      boolean ok = ar.result();
                      int f = ok ? 0 : failures + 1;
                      int s = ok ? successes + 1 : 0;
                      boolean nowReady = ready;
                      if (ready && f >= threshold.getAsInt()) {
                        nowReady = false;
                        c.readinessChanged(false);
                      } else if (!ready && s >= threshold.getAsInt()) {
                        nowReady = true;
                        c.readinessChanged(true);
                      }
                      readiness(p, period(p), f, s, nowReady);
                    }));
  }

  public static String describe(Probe p) {
    if (p.httpGet() != null) {
      return "GET " + (p.httpGet().path() == null ? "/" : p.httpGet().path());
    }
    if (p.tcpSocket() != null) {
      return "TCP connect";
    }
    if (p.grpc() != null) {
      return "gRPC health check of "
          + (p.grpc().serviceOrDefault().isEmpty()
              ? "the server"
              : "service " + p.grpc().serviceOrDefault());
    }
    return "exec " + String.join(" ", p.exec().command());
  }
}
