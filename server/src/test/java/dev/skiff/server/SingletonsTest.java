package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.RevisionStatus;
import dev.skiff.controlplane.spi.Leadership;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The leader's singletons under a hand-driven leadership. */
class SingletonsTest {

  /** A leadership the test decides: {@link #set} tells the campaign it leads or not. */
  private static final class HandLeadership implements Leadership {
    private Handler<Boolean> handler;
    private String role;
    private boolean resigned;

    @Override
    public Campaign campaign(String r, Handler<Boolean> onChange) {
      this.role = r;
      this.handler = onChange;
      return new Campaign() {
        @Override
        public boolean leading() {
          return false;
        }

        @Override
        public Future<Void> resign() {
          resigned = true;
          return Future.succeededFuture();
        }
      };
    }

    void set(boolean leading) {
      handler.handle(leading);
    }
  }

  /** Counts its starts and stops; runs between them. */
  private static final class Counted implements Singletons.Singleton {
    int leads;
    int follows;
    boolean running;

    @Override
    public Future<Void> lead() {
      leads++;
      running = true;
      return Future.succeededFuture();
    }

    @Override
    public void follow() {
      follows++;
      running = false;
    }
  }

  @Test
  void singletonsRunOnlyWhileLeadingAndAgainWhenLeadershipComesBack() {
    HandLeadership leadership = new HandLeadership();
    Counted a = new Counted();
    Counted b = new Counted();
    Singletons singletons = new Singletons(leadership, "cp-1", List.of(a, b));
    singletons.start();
    assertEquals(Singletons.ROLE, leadership.role);
    assertFalse(a.running || b.running, "nothing runs before the campaign is won");

    leadership.set(true);
    assertTrue(a.running && b.running);
    assertTrue(singletons.leading());

    leadership.set(false);
    assertFalse(a.running || b.running, "losing the lease stops every singleton");
    assertFalse(singletons.leading());

    leadership.set(true);
    assertTrue(a.running && b.running, "leading again starts them again");
    assertEquals(2, a.leads);
    assertEquals(1, a.follows);

    leadership.set(true); // told twice: started once
    assertEquals(2, b.leads);
  }

  @Test
  void resigningStopsTheSingletonsAndGivesTheRoleUp() {
    HandLeadership leadership = new HandLeadership();
    Counted a = new Counted();
    Singletons singletons = new Singletons(leadership, "cp-1", List.of(a));
    singletons.start();
    leadership.set(true);
    singletons.resign();
    assertFalse(a.running);
    assertTrue(leadership.resigned);
  }

  @Test
  void revisionStatusIsWrittenOnlyByTheLeaderAndCaughtUpWhenItLeads() {
    List<String> written = new ArrayList<>();
    GatedStatusReporter statuses =
        new GatedStatusReporter(
            (ns, rev, status) -> {
              written.add(ns + "/" + rev + " " + status.readyInstances());
              return Future.succeededFuture();
            });
    HandLeadership leadership = new HandLeadership();
    Singletons singletons = new Singletons(leadership, "cp-1", List.of(statuses));
    singletons.start();

    statuses.report("default", "hello-00001", status(1));
    statuses.report("default", "hello-00001", status(2));
    statuses.report("default", "other-00001", status(0));
    assertEquals(List.of(), written, "nothing written while another leads");

    leadership.set(true);
    assertEquals(
        List.of("default/hello-00001 2", "default/other-00001 0"),
        written,
        "the last status of each revision, once it leads");

    statuses.report("default", "hello-00001", status(3));
    assertEquals("default/hello-00001 3", written.get(written.size() - 1));

    leadership.set(false);
    int before = written.size();
    statuses.report("default", "hello-00001", status(4));
    assertEquals(before, written.size(), "nothing written after losing the lease");
  }

  private static RevisionStatus status(int ready) {
    return new RevisionStatus(null, null, ready, List.of());
  }
}
