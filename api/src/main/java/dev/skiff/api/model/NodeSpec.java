package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * A machine that runs instances.
 *
 * @param address where the node agent listens, {@code host:port}
 * @param capacity what the node offers to instances
 * @param runtimes the workload kinds it runs: {@code wasm}, {@code container}
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record NodeSpec(String address, Resources capacity, List<String> runtimes) {
  public NodeSpec {
    runtimes = runtimes == null ? List.of() : List.copyOf(runtimes);
  }
}
