package dev.skiff.node.wasm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.WasmModule;
import dev.skiff.node.InstanceStartException;
import dev.skiff.wasm.WasmRuntime;
import dev.skiff.wasm.Wat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Wasm revision's directory comes only from the operator's volume root or the service's own
 * volume, on a real host directory behind a real listener.
 */
class WasmVolumesTest {
  private static final long FD_READ = 1L << 1;
  private static final long FD_WRITE = 1L << 6;
  private static final int O_CREAT = 1;
  @TempDir Path root;
  @TempDir Path data;
  @TempDir Path outside;

  private WasmBackendFixture fixture(Optional<Path> volumeRoot) {
    return new WasmBackendFixture(
        WasmRuntime.builder(), new WasmVolumes(volumeRoot, Optional.of(data.resolve("volumes"))));
  }

  @Test
  void directoryUnderTheVolumeRootIsServed() throws Exception {
    Files.createDirectories(root.resolve("shared/data"));
    Files.writeString(root.resolve("shared/data/greeting.txt"), "hello from the volume");
    try (var f = fixture(Optional.of(root))) {
      var instance =
          f.start(
              "reader",
              Wat.openFile("greeting.txt", 1, 0, FD_READ, false),
              new WasmModule.Directory("shared/data", "/data", false),
              30);

      assertEquals("0000\nhello from the volume", f.get(instance, "/").body());
    }
  }

  @Test
  void hostPathWithoutAVolumeRootFailsTheStartNamingTheFlag() {
    try (var f = fixture(Optional.empty())) {
      var e =
          assertThrows(
              InstanceStartException.class,
              () ->
                  f.start(
                      "reader",
                      Wat.openFile("passwd", 0, FD_READ, false),
                      new WasmModule.Directory("etc", "/data", false),
                      30));

      assertEquals("VolumeInvalid", e.reason());
      assertTrue(e.getMessage().contains("--volume-root"), e.getMessage());
    }
  }

  @Test
  void hostPathThatLeavesTheRootOrIsALinkOutFailsTheStart() throws Exception {
    Files.createSymbolicLink(root.resolve("leak"), outside);
    try (var f = fixture(Optional.of(root))) {
      for (String hostPath : new String[] {"leak", "../" + outside.getFileName(), "/etc"}) {
        var e =
            assertThrows(
                InstanceStartException.class,
                () ->
                    f.start(
                        "reader",
                        Wat.openFile("x", 0, FD_READ, false),
                        new WasmModule.Directory(hostPath, "/data", true),
                        30),
                hostPath);
        assertEquals("VolumeInvalid", e.reason(), hostPath);
      }
    }
  }

  @Test
  void serviceWithoutHostPathWritesToItsOwnVolume() throws Exception {
    try (var f = fixture(Optional.empty())) {
      var instance =
          f.start(
              "writer",
              Wat.openFile("new.txt", O_CREAT, FD_WRITE, true),
              new WasmModule.Directory(null, "/data", true),
              30);

      assertEquals("0000\n", f.get(instance, "/").body());
      assertEquals("written", Files.readString(data.resolve("volumes/default/writer/new.txt")));
    }
  }
}
