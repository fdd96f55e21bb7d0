package dev.skiff.controlplane.nodes;

/**
 * One instance as its node reported it.
 *
 * @param state {@code STARTING}, {@code READY}, {@code FAILED} or {@code STOPPING}
 * @param host where its sidecar answers (the node's advertised address); null until ready
 * @param port the sidecar's port; 0 until ready
 * @param identity the SPIFFE ID the sidecar presents, which callers must verify; null without one
 */
public record ReportedInstance(
    String node,
    String namespace,
    String revision,
    String instance,
    String state,
    String host,
    int port,
    String identity) {

  /** Whether callers may send it requests. */
  public boolean ready() {
    return "READY".equals(state) && host != null && port > 0;
  }
}
