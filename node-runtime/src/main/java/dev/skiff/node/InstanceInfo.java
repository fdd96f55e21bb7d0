package dev.skiff.node;

import java.time.Instant;

/**
 * One instance on this node as {@code GET /v1/instances} shows it.
 *
 * @param name the instance's id, e.g. {@code default.hello-00001.1}
 * @param namespace its namespace
 * @param service its service
 * @param revision its revision
 * @param kind {@code wasm} or {@code container}
 * @param node the node it runs on
 * @param state {@code Starting}, {@code Ready} or {@code Draining}
 * @param startedAt when it became ready; null while starting
 * @param restarts how many instances of its revision ended by themselves on this node (and were
 *     replaced)
 * @param address its front's {@code host:port}, the one callers use; null while starting, and while
 *     its front's listener binds (it serves in process meanwhile)
 * @param identity the SPIFFE ID its front proves; null while starting or without the mesh
 */
public record InstanceInfo(
    String name,
    String namespace,
    String service,
    String revision,
    String kind,
    String node,
    String state,
    Instant startedAt,
    int restarts,
    String address,
    String identity) {
  public static final String STARTING = "Starting";
  public static final String READY = "Ready";
  public static final String DRAINING = "Draining";
}
