import com.sun.management.ThreadMXBean;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionSpec;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.ScalingSettings;
import dev.skiff.api.model.WasmModule;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.api.stats.Stat;
import dev.skiff.autoscaler.Autoscaler;
import dev.skiff.autoscaler.spi.Endpoints;
import dev.skiff.autoscaler.spi.Ticker;
import dev.skiff.console.internal.RevisionStats;
import dev.skiff.node.internal.RevisionInstances;
import dev.skiff.node.internal.RevisionMeters;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Bytes allocated per console sample and per autoscaler tick with N revisions at zero (bench/notes/
 * density.md, seventh round). Public classes only, so one source runs against an old and a new
 * skiffd.jar: javac -cp skiffd.jar AllocAtZero.java; java -cp skiffd.jar:. AllocAtZero 1000
 * Each revision has the node's meters (desired and ready gauges of a real RevisionInstances, a
 * cold-start timer with one start recorded) and five other meters; WITH_TRAFFIC revisions also
 * have the gateway's request counters and latency timer, with requests long ago. Each call's CPU
 * time (this thread's) is printed beside its bytes.
 */
public class AllocAtZero {
  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    var registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    var meters = new RevisionMeters(registry);
    List<RevisionKey> keys = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String svc = "d-%04d".formatted(i);
      var t = new RevisionTemplate(null, new WasmModule("sha256:" + "a".repeat(64), null, null),
          Map.of(), 8080, null, null, null, Map.of());
      var rev = Revision.of(ObjectMeta.of("default", svc + "-00001"), new RevisionSpec(svc, 1, t));
      RevisionInstances r = meters.register(new RevisionInstances(rev));
      meters.coldStart(r, 3_000_000);
      for (int m = 0; m < 5; m++) {
        Counter.builder("other.meter." + m).tags("namespace", "default", "revision", svc + "-00001")
            .register(registry);
      }
      keys.add(RevisionKey.of("default", svc + "-00001"));
    }
    int withTraffic = Integer.getInteger("WITH_TRAFFIC", 0);
    for (int i = 0; i < withTraffic; i++) {
      String svc = "d-%04d".formatted(i);
      var tags = new String[] {"namespace", "default", "service", svc, "revision", svc + "-00001"};
      Counter.builder("skiff.gateway.requests").tags(tags).tag("code", "200").tag("code_class", "2xx")
          .register(registry).increment(3);
      io.micrometer.core.instrument.Timer.builder("skiff.gateway.request.duration").tags(tags)
          .publishPercentileHistogram().register(registry).record(Duration.ofMillis(2));
    }
    var stats = new RevisionStats(registry, Clock.systemUTC(), 120);

    // The autoscaler: every revision tracked, at zero for minutes, as after the density deploy.
    long[] now = {Instant.parse("2030-01-01T00:00:00Z").toEpochMilli()};
    Clock clock = new Clock() {
      public ZoneId getZone() { return ZoneOffset.UTC; }
      public Clock withZone(ZoneId z) { return this; }
      public Instant instant() { return Instant.ofEpochMilli(now[0]); }
      public long millis() { return now[0]; }
    };
    int[] ready = {1}; // an instance at first (initial scale), none once at zero
    Endpoints none = new Endpoints() {
      public int readyInstances(RevisionKey r) { return ready[0]; }
      public boolean activatorInPath(RevisionKey r) { return true; }
    };
    Ticker manual = (interval, tick) -> () -> {};
    Autoscaler autoscaler = Autoscaler.builder().withClock(clock).withEndpoints(none)
        .withListener((k, d) -> {}).withTicker(manual).build();
    ScalingSettings settings = ScalingSettings.from(Map.of(
        "autoscaling.knative.dev/min-scale", "0", "autoscaling.knative.dev/window", "6s"));
    for (RevisionKey k : keys) {
      autoscaler.track(k, settings);
      // One report of an instance that saw no request, as a started instance sends.
      autoscaler.record(Stat.of(k, "i-1", clock.instant(), 0, 0));
    }

    ThreadMXBean mx = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long self = Thread.currentThread().getId();
    for (int warm = 0; warm < 3000; warm++) { // JIT both paths (C2), and pass the windows
      ready[0] = warm < 5 ? 1 : 0;
      stats.sample();
      now[0] += 2000;
      autoscaler.tick();
    }
    for (int round = 0; round < rounds; round++) {
      int samples = 500;
      long a0 = mx.getThreadAllocatedBytes(self);
      long c0 = mx.getCurrentThreadCpuTime();
      for (int s = 0; s < samples; s++) {
        stats.sample();
      }
      long a1 = mx.getThreadAllocatedBytes(self);
      long c1 = mx.getCurrentThreadCpuTime();
      for (int s = 0; s < samples; s++) {
        now[0] += 2000;
        autoscaler.tick();
      }
      long a2 = mx.getThreadAllocatedBytes(self);
      long c2 = mx.getCurrentThreadCpuTime();
      System.out.printf("round %d: console sample %,d B (%,.1f B/revision, %,.1f us CPU),"
              + " autoscaler tick %,d B (%,.1f B/revision, %,.1f us CPU), %s desired %d%n",
          round, (a1 - a0) / samples, (a1 - a0) / (double) samples / n,
          (c1 - c0) / 1e3 / samples, (a2 - a1) / samples, (a2 - a1) / (double) samples / n,
          (c2 - c1) / 1e3 / samples, autoscaler.decision(keys.get(0)).get().reason(),
          autoscaler.decision(keys.get(0)).get().desired());
    }
  }
}
