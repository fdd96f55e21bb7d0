package dev.skiff.nodeagent.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.common.GrpcStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which control plane a node calls after a failure. */
class ControlPlanesTest {
  private static final SocketAddress A = SocketAddress.inetSocketAddress(7443, "10.0.0.1");
  private static final SocketAddress B = SocketAddress.inetSocketAddress(7443, "10.0.0.2");

  @Test
  void noAnswerMovesOnToTheNextAndRoundTheList() {
    ControlPlanes planes = new ControlPlanes(List.of(A, B));
    assertEquals(A, planes.current());
    planes.failed(new java.net.ConnectException("refused"), A);
    assertEquals(B, planes.current());
    planes.failed(new Calls.StatusException(GrpcStatus.UNAVAILABLE, "shutting down"), B);
    assertEquals(A, planes.current(), "round the list");
  }

  @Test
  void anAnswerThatAnotherWouldGiveTooKeepsTheControlPlane() {
    ControlPlanes planes = new ControlPlanes(List.of(A, B));
    planes.failed(new Calls.StatusException(GrpcStatus.FAILED_PRECONDITION, "not registered"), A);
    planes.failed(new Calls.StatusException(GrpcStatus.PERMISSION_DENIED, "not yours"), A);
    assertEquals(A, planes.current());
  }

  @Test
  void twoCallsFailingOnTheSameControlPlaneMoveOnOnce() {
    ControlPlanes planes = new ControlPlanes(List.of(A, B));
    planes.failed(new java.net.ConnectException("refused"), A); // the heartbeat
    planes.failed(new java.net.ConnectException("reset"), A); // the watch, on the same one
    assertEquals(B, planes.current(), "not back to the dead one");
  }

  @Test
  void noAddressIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new ControlPlanes(List.of()));
  }
}
