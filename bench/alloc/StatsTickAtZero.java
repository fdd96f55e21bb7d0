import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionSpec;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.WasmModule;
import dev.skiff.node.internal.RevisionInstances;
import dev.skiff.node.internal.StatsLoop;
import dev.skiff.node.spi.Ticker;
import dev.skiff.node.stats.RequestTracker;
import io.vertx.core.Future;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * CPU per tick of the node's stats loop (its 10-per-second sample) with N revisions at zero and one
 * with a ready instance (bench/notes/density.md, tenth round). One source for an old and a new
 * skiffd.jar: on a jar with RevisionsWithInstances the loop walks that index, as NodeAgent wires it;
 * without, every revision, as the old NodeAgent did. javac -cp skiffd.jar StatsTickAtZero.java;
 * java -cp skiffd.jar:. StatsTickAtZero 1000
 */
public class StatsTickAtZero {
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    Object index = null;
    try {
      index =
          Class.forName("dev.skiff.node.internal.RevisionsWithInstances")
              .getConstructor()
              .newInstance();
    } catch (ClassNotFoundException old) {
      // the old jar: the loop walks every revision
    }
    List<RevisionInstances> books = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Revision rev =
          Revision.of(
              ObjectMeta.of("default", Revision.nameFor("s" + i, 1)),
              new RevisionSpec(
                  "s" + i,
                  1,
                  new RevisionTemplate(
                      null,
                      new WasmModule("sha256:" + "a".repeat(64), null, null),
                      Map.of(),
                      8080,
                      null,
                      null,
                      null,
                      Map.of())));
      books.add(
          index == null
              ? new RevisionInstances(rev)
              : (RevisionInstances)
                  RevisionInstances.class
                      .getConstructor(Revision.class, index.getClass())
                      .newInstance(rev, index));
    }
    var running =
        new RevisionInstances.Running(
            "i1", Future.succeededFuture(), new RequestTracker(), 0, false, false, null);
    RevisionInstances warm = books.get(n / 2);
    if (index == null) {
      ((List<RevisionInstances.Running>) warm.instances()).add(running);
    } else {
      RevisionInstances.class
          .getMethod("add", RevisionInstances.Running.class)
          .invoke(warm, running);
    }
    Object idx = index;
    Supplier<Collection<RevisionInstances>> walk =
        idx == null
            ? () -> books
            : () -> {
              try {
                return (Collection<RevisionInstances>)
                    idx.getClass().getMethod("revisions").invoke(idx);
              } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
              }
            };
    Collection<RevisionInstances> fixed = walk.get(); // a view: read once, as a method reference
    List<Runnable> ticks = new ArrayList<>();
    Ticker ticker =
        new Ticker() {
          @Override
          public Cancellable every(Duration interval, Runnable tick) {
            ticks.add(tick);
            return () -> {};
          }

          @Override
          public Cancellable after(Duration delay, Runnable action) {
            return () -> {};
          }
        };
    new StatsLoop(
        () -> fixed, s -> {}, Clock.systemUTC(), ticker, Runnable::run, Duration.ofMillis(100),
        Duration.ofSeconds(1));
    Runnable sample = ticks.get(0);
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    for (int round = 0; round < 5; round++) {
      for (int i = 0; i < 20_000; i++) {
        sample.run();
      }
      long c0 = mx.getCurrentThreadCpuTime();
      for (int i = 0; i < 20_000; i++) {
        sample.run();
      }
      long c1 = mx.getCurrentThreadCpuTime();
      System.out.printf(
          "%s n=%d round %d: %.2f µs of CPU per sample tick%n",
          index == null ? "old" : "new", n, round, (c1 - c0) / 20_000.0 / 1000);
    }
  }
}
