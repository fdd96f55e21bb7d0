package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.eventing.spi.LagListener;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RemoteLagFloorsTest {
  private final List<String> told = new ArrayList<>();
  private final LagListener scaling =
      (ns, service, trigger, lag, partitions, threshold) ->
          told.add(ns + "/" + trigger + " -> " + service + " " + lag + "/" + partitions);
  private Instant now = Instant.parse("2026-12-05T15:00:00Z");
  private final Clock clock =
      new Clock() {
        @Override
        public ZoneOffset getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now;
        }
      };

  @Test
  void eachDispatchersLagIsAFloorOfItsOwn() {
    RemoteLagFloors floors = new RemoteLagFloors(() -> scaling, clock);
    floors.onLag("ev1", "default", "event", "orders", 40, 2, 10);
    floors.onLag("ev2", "default", "event", "orders", 5, 2, 10);
    assertEquals(
        List.of("default/orders@ev1 -> event 40/2", "default/orders@ev2 -> event 5/2"), told);
  }

  @Test
  void aDispatcherThatStopsReportingLosesItsFloor() {
    RemoteLagFloors floors = new RemoteLagFloors(() -> scaling, clock);
    floors.onLag("ev1", "default", "event", "orders", 40, 2, 10);
    now = now.plus(RemoteLagFloors.STALE.minus(Duration.ofSeconds(1)));
    floors.onLag("ev2", "default", "event", "orders", 30, 2, 10);
    floors.expire();
    assertEquals(2, told.size(), "nothing stale yet: " + told);
    now = now.plus(Duration.ofSeconds(2));
    floors.expire();
    assertEquals("default/orders@ev1 -> event 0/0", told.get(2));
    assertEquals(3, told.size(), "ev2 still reports recently enough: " + told);
    floors.expire();
    assertEquals(3, told.size(), "dropped once: " + told);
  }

  @Test
  void reportsBeforeTheAutoscalerExistsAreDropped() {
    RemoteLagFloors floors = new RemoteLagFloors(() -> null, clock);
    floors.onLag("ev1", "default", "event", "orders", 40, 2, 10);
    floors.expire();
    assertEquals(List.of(), told);
  }
}
