package dev.skiff.controlplane.internal.nodes;

import io.vertx.grpc.common.GrpcStatus;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What each node says it holds (image references it pulled, module digests it cached), as its last
 * registration or heartbeat said: placement's input for preferring a node that need not pull or
 * fetch. In memory only: every heartbeat sends it again, so a restarted control plane has it back
 * within one interval. Thread-safe.
 */
final class NodeCaches {
  /** Entries per node; a node holding more reports any of them (the preference is a hint). */
  static final int MAX_ENTRIES = 10_000;

  /** Characters of one entry: an image reference or {@code sha256:HEX}. */
  static final int MAX_ENTRY = 512;

  private final Map<String, Set<String>> byNode = new ConcurrentHashMap<>();

  /** Node {@code node} holds {@code cached} now; refused when it is not what a node holds. */
  void held(String node, List<String> cached) {
    if (cached.size() > MAX_ENTRIES) {
      throw refused("cached holds " + cached.size() + " entries, more than " + MAX_ENTRIES);
    }
    for (int i = 0; i < cached.size(); i++) {
      String c = cached.get(i);
      if (c.isEmpty() || c.length() > MAX_ENTRY || c.chars().anyMatch(ch -> ch <= ' ')) {
        throw refused(
            "cached["
                + i
                + "] is not an image reference or module digest (1-"
                + MAX_ENTRY
                + " characters, no spaces or control characters)");
      }
    }
    byNode.put(node, Set.copyOf(cached));
  }

  /** What node {@code node} last said it holds; empty if nothing. */
  Set<String> of(String node) {
    return byNode.getOrDefault(node, Set.of());
  }

  private static CallRefusedException refused(String what) {
    return new CallRefusedException(
        GrpcStatus.INVALID_ARGUMENT,
        what,
        "send the image references and module digests the node holds, at most " + MAX_ENTRIES);
  }
}
