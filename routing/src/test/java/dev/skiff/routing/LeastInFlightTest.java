package dev.skiff.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LeastInFlightTest {
  private record Endpoint(String host, int port) {}

  private final Endpoint a = new Endpoint("10.0.0.1", 8080);
  private final Endpoint b = new Endpoint("10.0.0.2", 8080);
  private final Endpoint c = new Endpoint("10.0.0.3", 8080);

  @Test
  void picksTheEndpointWithFewestRequestsInFlight() {
    LeastInFlight<Endpoint> lb = new LeastInFlight<>();
    lb.acquire(a);
    lb.acquire(a);
    lb.acquire(c);

    assertEquals(b, lb.pick(List.of(a, b, c)));
  }

  @Test
  void spreadsTiesRoundRobin() {
    LeastInFlight<Endpoint> lb = new LeastInFlight<>();
    Set<Endpoint> picked = new HashSet<>();

    for (int i = 0; i < 3; i++) {
      picked.add(lb.pick(List.of(a, b, c)));
    }

    assertEquals(Set.of(a, b, c), picked);
  }

  @Test
  void releasedEndpointsAreForgotten() {
    LeastInFlight<Endpoint> lb = new LeastInFlight<>();
    lb.acquire(a);
    lb.release(a);
    lb.release(a);

    assertEquals(0, lb.inFlight(a));
  }
}
