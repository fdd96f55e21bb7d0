package dev.skiff.node.container;

import dev.skiff.node.spi.InstanceSpec;
import io.vertx.core.Future;

/**
 * Opens a container instance's way out: a name service on UDP port 53 and an HTTP listener on TCP
 * port 80, both on the node's end of the instance's own link, before the instance's process starts.
 * The instance's {@code /etc/resolv.conf} names that address as its only nameserver, and the
 * network fence lets the instance reach exactly those two ports there. skiffd answers it with
 * mesh-proxy's {@code ContainerOutbound} (calls by name through the mesh); without a door a
 * container resolves no names and reaches nothing on the node.
 */
@FunctionalInterface
public interface OutboundDoor {
  /**
   * Opens the door of the instance {@code spec} describes. Called on a worker thread of the
   * backend; the backend waits for the future (at most 10 s) and fails the start when it fails.
   *
   * @param nodeAddress the node's end of the instance's link (listen here)
   * @param instanceAddress the instance's own address (the only peer to serve)
   */
  Future<Opened> open(InstanceSpec spec, String nodeAddress, String instanceAddress);

  /** An open door; closed by the backend when the instance is torn down. */
  @FunctionalInterface
  interface Opened {
    Future<Void> close();
  }
}
