package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class MeshTimingsTest {
  @Test
  void skiffdKeepsTheProductionTimingsUnlessATestSetsOthers() {
    MeshTimings t = new SkiffdOptions().meshTimings;

    assertEquals(Duration.ofHours(24), t.leafTtl());
    assertEquals(Duration.ofSeconds(30), t.bundleRefresh());
    assertEquals(Duration.ofMinutes(1), t.rootSwitchDelay());
    assertEquals(Duration.ofMinutes(1), t.minLeafTtl());
  }

  @Test
  void refusesALeafTheCaWouldRefuse() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new MeshTimings(
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(1),
                    Duration.ofSeconds(3),
                    Duration.ofMinutes(1)));
    assertTrue(e.getMessage().contains("minLeafTtl"), e.getMessage());
  }

  @Test
  void refusesASwitchBeforeEveryHolderCouldFetchTheNewRoot() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new MeshTimings(
                    Duration.ofSeconds(10),
                    Duration.ofSeconds(5),
                    Duration.ofSeconds(3),
                    Duration.ofSeconds(1)));
    assertTrue(e.getMessage().contains("bundleRefresh"), e.getMessage());
  }
}
