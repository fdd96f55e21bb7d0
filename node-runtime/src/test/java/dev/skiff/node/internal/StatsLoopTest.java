package dev.skiff.node.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.stats.Stat;
import dev.skiff.node.Fixtures;
import dev.skiff.node.ManualTicker;
import dev.skiff.node.internal.RevisionInstances.Running;
import dev.skiff.node.stats.RequestTracker;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatsLoopTest {
  private final RevisionsWithInstances index = new RevisionsWithInstances();
  private final List<RevisionInstances> books = new ArrayList<>();
  private final List<Stat> reported = new ArrayList<>();
  private final ManualTicker ticker = new ManualTicker();

  private StatsLoop loop() {
    for (int i = 0; i < 1_000; i++) {
      books.add(new RevisionInstances(Fixtures.revision("s" + i, 1), index));
    }
    return new StatsLoop(
        index::revisions,
        reported::add,
        Clock.systemUTC(),
        ticker,
        Runnable::run,
        Duration.ofMillis(100),
        Duration.ofSeconds(1));
  }

  private static Running ready(String id, RequestTracker tracker) {
    return new Running(id, Future.succeededFuture(), tracker, 0, false, false, null);
  }

  @Test
  void aTickWalksOnlyTheRevisionsWithInstances() {
    StatsLoop loop = loop();
    ticker.tick(); // sample and report: 1,000 revisions at zero
    assertEquals(0, loop.revisionsVisited());
    assertTrue(reported.isEmpty());

    RevisionInstances gaining = books.get(500);
    RequestTracker tracker = new RequestTracker();
    tracker.enter();
    Running running = ready("i1", tracker);
    gaining.add(running);
    ticker.tick();
    assertEquals(2, loop.revisionsVisited()); // one revision, by the sample and by the report
    assertEquals(1, reported.size());
    assertEquals(gaining.name(), reported.get(0).revision().name());
    assertEquals(1.0, reported.get(0).averageConcurrency());

    assertTrue(gaining.remove(running));
    ticker.tick();
    assertEquals(2, loop.revisionsVisited()); // dropped: no revision left to look at
    assertEquals(1, reported.size());
  }

  @Test
  void everyWayOfLosingInstancesDropsTheRevision() {
    StatsLoop loop = loop();
    RevisionInstances a = books.get(1);
    RevisionInstances b = books.get(2);
    a.add(ready("a1", new RequestTracker()));
    a.add(ready("a2", new RequestTracker()));
    b.add(ready("b1", new RequestTracker()));
    ticker.tick();
    assertEquals(4, loop.revisionsVisited());
    assertEquals(3, reported.size());

    a.removeNewest();
    ticker.tick();
    assertEquals(8, loop.revisionsVisited()); // a keeps one instance
    assertEquals(5, reported.size());

    a.removeNewest();
    b.removeAll();
    ticker.tick();
    assertEquals(8, loop.revisionsVisited());
    assertEquals(5, reported.size());
    assertTrue(index.revisions().isEmpty());
  }

  @Test
  void aDeletedRevisionIsNoLongerReported() {
    StatsLoop loop = loop();
    RevisionInstances r = books.get(7);
    r.add(ready("r1", new RequestTracker()));
    r.deleted();
    ticker.tick();
    assertTrue(reported.isEmpty());
    loop.stop();
  }
}
