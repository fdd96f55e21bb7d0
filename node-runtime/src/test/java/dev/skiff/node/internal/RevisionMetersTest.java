package dev.skiff.node.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.node.Fixtures;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class RevisionMetersTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final RevisionMeters meters = new RevisionMeters(registry);

  private List<String> metersOf(String revision) {
    return registry.getMeters().stream()
        .filter(m -> revision.equals(m.getId().getTag("revision")))
        .map(m -> m.getId().getName())
        .sorted()
        .toList();
  }

  @Test
  void aRevisionGoneTakesItsColdStartTimerWithItsGauges() {
    RevisionInstances gone = meters.register(new RevisionInstances(Fixtures.revision("a", 1)));
    RevisionInstances kept = meters.register(new RevisionInstances(Fixtures.revision("b", 1)));
    meters.coldStart(gone, 3_000_000);
    meters.coldStart(kept, 4_000_000);
    assertEquals(
        List.of(
            "skiff.node.cold.start.duration",
            "skiff.node.instances.desired",
            "skiff.node.instances.ready"),
        metersOf("a-00001"));

    meters.unregister(gone);

    assertEquals(List.of(), metersOf("a-00001"));
    assertEquals(3, metersOf("b-00001").size());
    Meter timer =
        registry.find("skiff.node.cold.start.duration").tag("revision", "b-00001").meter();
    assertEquals(
        1, registry.get(timer.getId().getName()).tag("revision", "b-00001").timer().count());
  }
}
