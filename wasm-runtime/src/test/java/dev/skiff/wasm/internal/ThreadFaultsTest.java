package dev.skiff.wasm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ThreadFaultsTest {
  @Test
  void readsMinorFaultsAfterACommandNameWithSpacesAndParentheses() {
    String stat =
        "4242 (skiff (wasm) 1) S 1 4242 4242 0 -1 4194368 3713 0 12 0 5 3 0 0 20 0 41 0 1234";

    assertEquals(3713, ThreadFaults.parse(stat));
  }

  @Test
  void aLineWithoutTheFieldsIsUnknown() {
    assertEquals(-1, ThreadFaults.parse("4242 (x) S 1"));
    assertEquals(-1, ThreadFaults.parse("garbage"));
  }

  @Test
  void countsTheFaultsOfTouchingFreshMemory() {
    assumeTrue(Files.isReadable(Path.of("/proc/thread-self/stat")), "needs Linux's proc");
    long before = ThreadFaults.minor();
    // The JVM's heap may hold its pages resident already; a direct buffer above glibc's largest
    // mmap threshold (32 MiB) is mapped afresh, and zeroing it touches each of its pages.
    var fresh = java.nio.ByteBuffer.allocateDirect(40 << 20);
    long after = ThreadFaults.minor();

    assertTrue(before >= 0, "minflt read: " + before);
    assertTrue(
        after - before >= 1024,
        "zeroing " + fresh.capacity() / 4096 + " fresh pages faulted " + (after - before));
  }
}
