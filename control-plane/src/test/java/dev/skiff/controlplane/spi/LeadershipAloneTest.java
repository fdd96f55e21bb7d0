package dev.skiff.controlplane.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The embedded store's leadership: one process, leading every role at once until it resigns. */
class LeadershipAloneTest {
  @Test
  void aloneLeadsEveryRoleAtOnceUntilItResigns() {
    List<String> changes = new CopyOnWriteArrayList<>();
    Leadership alone = Leadership.alone();
    Leadership.Campaign r = alone.campaign("reconciler", now -> changes.add("reconciler:" + now));
    Leadership.Campaign a = alone.campaign("autoscaler", now -> changes.add("autoscaler:" + now));
    assertTrue(r.leading() && a.leading());
    r.resign();
    r.resign();
    assertFalse(r.leading());
    assertTrue(a.leading());
    assertEquals(List.of("reconciler:true", "autoscaler:true", "reconciler:false"), changes);
  }
}
