package dev.skiff.controlplane.internal.nodes;

import dev.skiff.controlplane.ControlPlaneException;
import io.vertx.grpc.common.GrpcStatus;

/** A node call refused with a gRPC status and a message that says what to fix. */
public final class CallRefusedException extends ControlPlaneException {
  private static final long serialVersionUID = 1L;

  private final transient GrpcStatus status;

  public CallRefusedException(GrpcStatus status, String message, String hint) {
    super(message, hint);
    this.status = status;
  }

  public GrpcStatus status() {
    return status;
  }
}
