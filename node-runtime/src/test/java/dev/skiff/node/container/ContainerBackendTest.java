package dev.skiff.node.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.Resources;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ContainerBackendTest {
  @Test
  void instanceIdsBecomeSafeRuntimeIds() {
    assertEquals("default.hello-00001.1", ContainerBackend.key("default.hello-00001.1"));
    assertEquals("a_b_c", ContainerBackend.key("a/b c"));
    assertEquals("_hidden", ContainerBackend.key(".hidden"));
    assertTrue(ContainerBackend.key("x".repeat(300)).length() <= 100);
  }

  @Test
  void parsesResourceLimitsWithKubernetesQuantities() {
    var l = ContainerBackend.limits(new Resources("128Mi", "500m"));
    assertEquals(128L << 20, l.memoryBytes());
    assertEquals(500L, l.cpuMillis());
    assertEquals(2000L, ContainerBackend.limits(new Resources(null, "2")).cpuMillis());
    assertNull(ContainerBackend.limits(null).memoryBytes());
    assertThrows(
        IllegalArgumentException.class, () -> ContainerBackend.limits(new Resources("lots", null)));
    assertThrows(
        IllegalArgumentException.class, () -> ContainerBackend.limits(new Resources("1Mi", null)));
  }

  @Test
  void exitsSayWhatHappened() {
    ContainerExit oom = new ContainerExit(137, true, false, Instant.EPOCH);
    assertEquals("OOMKilled", oom.reason());
    assertEquals(9, oom.signal());
    assertTrue(oom.describe().contains("out of memory"), oom.describe());
    assertEquals("Completed", new ContainerExit(0, false, true, Instant.EPOCH).reason());
    ContainerExit error = new ContainerExit(3, false, false, Instant.EPOCH);
    assertEquals("Error", error.reason());
    assertEquals(0, error.signal());
    assertEquals("exited with code 3", error.describe());
  }

  @Test
  void configRejectsNamesTheHostCannotCarry() {
    assertThrows(
        IllegalArgumentException.class, () -> ContainerConfig.builder().withScope("Bad_Scope"));
    assertThrows(
        IllegalArgumentException.class,
        () -> ContainerConfig.builder().withInterfacePrefix("muchtoolong"));
    assertThrows(
        IllegalArgumentException.class,
        () -> ContainerConfig.builder().withCgroupParent("relative"));
    ContainerConfig c =
        ContainerConfig.builder().withDataDir(java.nio.file.Path.of("/var/lib/skiff")).build();
    assertEquals("/skiff", c.cgroupParent());
    assertEquals(java.nio.file.Path.of("/run/skiff/oci"), c.runtimeRoot());
  }
}
