package dev.skiff.controlplane.internal.nodes;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;

/**
 * A node as {@code GET /v1/cluster/nodes} shows it: the resource's spec and Ready condition, its
 * lease, and what is placed on it.
 *
 * @param capacity what the node offers
 * @param allocated the sum of its assignments' requests
 * @param assignments the instances placed on it (only for one node, else null)
 * @param instances what the node last reported (only for one node, else null)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeView(
    String name,
    boolean ready,
    String reason,
    String message,
    boolean cordoned,
    boolean draining,
    String address,
    List<String> runtimes,
    Amount capacity,
    Amount allocated,
    int instanceCount,
    Instant lastHeartbeat,
    Instant createdAt,
    List<NodeRecords.AssignmentRecord> assignments,
    List<NodeRecords.InstanceRecord> instances) {

  /** CPU in millicores and memory in bytes. */
  public record Amount(long cpuMillis, long memoryBytes) {}
}
