package dev.skiff.routing;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Picks the endpoint with the fewest requests in flight from this gateway, scanning from a rotating
 * start so ties spread round robin. Shared by every event loop; counts of idle endpoints are
 * removed so the map tracks only endpoints in use.
 */
public final class LeastInFlight<E> {
  private final ConcurrentMap<E, Integer> inFlight = new ConcurrentHashMap<>();
  private final AtomicInteger next = new AtomicInteger();

  public E pick(List<E> ready) {
    int n = ready.size();
    if (n == 1) {
      return ready.get(0);
    }
    int start = Math.floorMod(next.getAndIncrement(), n);
    E best = null;
    int bestLoad = Integer.MAX_VALUE;
    for (int i = 0; i < n && bestLoad > 0; i++) {
      E e = ready.get((start + i) % n);
      int load = inFlight.getOrDefault(e, 0);
      if (load < bestLoad) {
        best = e;
        bestLoad = load;
      }
    }
    return best;
  }

  public void acquire(E e) {
    inFlight.merge(e, 1, Integer::sum);
  }

  public void release(E e) {
    inFlight.computeIfPresent(e, (k, v) -> v <= 1 ? null : v - 1);
  }

  public int inFlight(E e) {
    return inFlight.getOrDefault(e, 0);
  }
}
