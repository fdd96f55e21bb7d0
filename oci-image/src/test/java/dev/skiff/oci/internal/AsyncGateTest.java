package dev.skiff.oci.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

class AsyncGateTest {
  @Test
  void exclusiveWaitsForSharedAndHoldsBackNewShared() {
    AsyncGate gate = new AsyncGate();
    assertTrue(gate.enterShared().succeeded());
    Future<Void> writer = gate.enterExclusive();
    assertFalse(writer.isComplete());
    Future<Void> lateReader = gate.enterShared();
    assertFalse(lateReader.isComplete(), "a waiting writer holds back new readers");
    gate.exitShared();
    assertTrue(writer.succeeded());
    assertFalse(lateReader.isComplete());
    gate.exitExclusive();
    assertTrue(lateReader.succeeded());
  }

  @Test
  void writersTakeTurns() {
    AsyncGate gate = new AsyncGate();
    assertTrue(gate.enterExclusive().succeeded());
    Future<Void> second = gate.enterExclusive();
    assertFalse(second.isComplete());
    gate.exitExclusive();
    assertTrue(second.succeeded());
    gate.exitExclusive();
    assertTrue(gate.enterShared().succeeded());
  }
}
