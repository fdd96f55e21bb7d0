package dev.skiff.node.container;

import dev.skiff.node.spi.InstanceSpec;
import io.vertx.core.Future;

/**
 * Opens a container instance's way out: a name service (UDP) and an HTTP listener (TCP), both on
 * the node's end of the instance's own link, before the instance's process starts. The instance's
 * {@code /etc/resolv.conf} names that address as its only nameserver; the network fence redirects
 * the instance's UDP 53 and TCP 80 to that address to the door's {@link #dnsPort()} and {@link
 * #httpPort()}, and lets the instance reach nothing else of the node (the door's own ports only
 * through that redirect). skiffd answers it with mesh-proxy's {@code ContainerOutbound} (calls by
 * name through the mesh); without a door a container resolves no names and reaches nothing on the
 * node.
 */
public interface OutboundDoor {
  /**
   * Opens the door of the instance {@code spec} describes. Called on a worker thread of the
   * backend; the backend waits for the future (at most 10 s) and fails the start when it fails.
   *
   * @param nodeAddress the node's end of the instance's link (listen here)
   * @param instanceAddress the instance's own address (the only peer to serve)
   */
  Future<Opened> open(InstanceSpec spec, String nodeAddress, String instanceAddress);

  /**
   * The UDP port every instance's name service listens on (the instance sends to 53). Better not 53
   * itself: a resolver on the node listening on all addresses would keep the doors from opening.
   */
  int dnsPort();

  /** The TCP port every instance's HTTP listener listens on (the instance sends to 80). */
  int httpPort();

  /** An open door; closed by the backend when the instance is torn down. */
  @FunctionalInterface
  interface Opened {
    Future<Void> close();
  }
}
