package dev.skiff.node.container;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LeftoversTest {
  @Test
  void aPreparedKeyClaimsTheLinesNamingIt() {
    assertTrue(Leftovers.namesKey("container prep.1.web", "prep.1.web"));
    assertTrue(Leftovers.namesKey("cgroup /sys/fs/cgroup/skiff-t/prep.1.web", "prep.1.web"));
    assertTrue(Leftovers.namesKey("mount /d/bundles/prep.1.web/rootfs", "prep.1.web"));
    assertTrue(Leftovers.namesKey("process 12 runc init prep.1.web x", "prep.1.web"));
  }

  @Test
  void aKeyWhoseBaseStartsAnothersDoesNotClaimTheOthersLines() {
    assertFalse(Leftovers.namesKey("container prep.1.web2", "prep.1.web"));
    assertFalse(Leftovers.namesKey("cgroup /sys/fs/cgroup/skiff-t/prep.1.web-b", "prep.1.web"));
    assertFalse(Leftovers.namesKey("container xprep.1.web", "prep.1.web"));
    assertTrue(Leftovers.namesKey("container prep.1.web2 prep.1.web", "prep.1.web"));
  }
}
