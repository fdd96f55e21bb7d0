package dev.skiff.nodeagent.internal;

import io.vertx.core.net.SocketAddress;
import java.util.List;

/**
 * The control planes' node ports a node may talk to (several skiffd sharing one store): calls go to
 * the current one; after a failure without an answer (connection refused or reset, a timeout) or
 * UNAVAILABLE, the agent moves on to the next, round the list.
 */
public final class ControlPlanes {
  private final List<SocketAddress> addresses;
  private int current;

  public ControlPlanes(List<SocketAddress> addresses) {
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("at least one control plane address is needed");
    }
    this.addresses = List.copyOf(addresses);
  }

  public synchronized SocketAddress current() {
    return addresses.get(current);
  }

  /**
   * Moves on to the next address after {@code e} from the one at {@code at}, when it is a failure
   * another control plane may not have and no other call moved on already.
   */
  public synchronized void failed(Throwable e, SocketAddress at) {
    io.vertx.grpc.common.GrpcStatus s = Calls.statusOf(e);
    if (at.equals(addresses.get(current))
        && (s == null || s == io.vertx.grpc.common.GrpcStatus.UNAVAILABLE)) {
      current = (current + 1) % addresses.size();
    }
  }

  @Override
  public synchronized String toString() {
    return addresses.size() == 1 ? addresses.get(0).toString() : addresses.toString();
  }
}
