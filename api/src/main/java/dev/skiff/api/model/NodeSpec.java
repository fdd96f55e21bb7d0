package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A machine that runs instances.
 *
 * @param address where the node's instances are reached: {@code host} or {@code host:port}
 * @param capacity what the node offers to instances
 * @param runtimes the workload kinds it runs: {@code wasm}, {@code container}
 * @param cordoned true: no new instances are placed on the node (those there stay)
 * @param drain true: the node's instances are placed elsewhere and it gets none (implies cordoned)
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record NodeSpec(
    String address, Resources capacity, List<String> runtimes, Boolean cordoned, Boolean drain) {
  public NodeSpec {
    runtimes = runtimes == null ? List.of() : List.copyOf(runtimes);
  }

  public NodeSpec(String address, Resources capacity, List<String> runtimes) {
    this(address, capacity, runtimes, null, null);
  }

  /** Whether new instances may be placed here: neither cordoned nor draining. */
  public boolean schedulable() {
    return !Boolean.TRUE.equals(cordoned) && !Boolean.TRUE.equals(drain);
  }

  public NodeSpec withCordoned(boolean c) {
    return new NodeSpec(address, capacity, runtimes, c ? Boolean.TRUE : null, c ? drain : null);
  }

  public NodeSpec withDrain(boolean d) {
    return new NodeSpec(
        address, capacity, runtimes, d ? Boolean.TRUE : cordoned, d ? Boolean.TRUE : null);
  }
}
