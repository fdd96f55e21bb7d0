package dev.skiff.wasm;

import static dev.skiff.wasm.Calls.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest sees no filesystem unless a directory is declared, and then only that, read-only by
 * default.
 */
class FilesystemTest {
  private static final int O_CREAT = 1;
  private static final int O_TRUNC = 8;
  private static final long FD_READ = 1L << 1;
  private static final long FD_WRITE = 1L << 6;
  private static WasmRuntime runtime;
  @TempDir Path dir;

  @BeforeAll
  static void start() {
    runtime = WasmRuntime.builder().build();
  }

  @AfterAll
  static void stop() {
    runtime.close();
  }

  private WasmFunction opener(
      String path, int oflags, long rights, boolean write, WasmConfig.Builder config) {
    return runtime.load(Wat.openFile(path, oflags, rights, write), config.build());
  }

  @Test
  void withoutADeclaredDirectoryThereIsNoFilesystem() {
    var function = opener("etc/passwd", 0, FD_READ, false, WasmConfig.builder());

    assertEquals("0008\n", get(function, "/").bodyText()); // EBADF: fd 3 does not exist
  }

  @Test
  void declaredDirectoryIsReadable() throws Exception {
    Files.writeString(dir.resolve("greeting.txt"), "hello from disk");
    var function =
        opener(
            "greeting.txt",
            0,
            FD_READ,
            false,
            WasmConfig.builder().withDirectory(dir, "/data", false));

    assertEquals("0000\nhello from disk", get(function, "/").bodyText());
  }

  @Test
  void readOnlyDirectoryRefusesCreatingFiles() {
    var function =
        opener(
            "new.txt",
            O_CREAT,
            FD_WRITE,
            true,
            WasmConfig.builder().withDirectory(dir, "/data", false));

    assertEquals("0069\n", get(function, "/").bodyText()); // EROFS
    assertFalse(Files.exists(dir.resolve("new.txt")));
  }

  @Test
  void readOnlyDirectoryRefusesWritingExistingFiles() throws Exception {
    Files.writeString(dir.resolve("keep.txt"), "original");
    var function =
        opener(
            "keep.txt",
            O_TRUNC,
            FD_WRITE,
            true,
            WasmConfig.builder().withDirectory(dir, "/data", false));

    assertEquals("0069\n", get(function, "/").bodyText());
    assertEquals("original", Files.readString(dir.resolve("keep.txt")));
  }

  @Test
  void writableDirectoryAcceptsNewFiles() throws Exception {
    var function =
        opener(
            "new.txt",
            O_CREAT,
            FD_WRITE,
            true,
            WasmConfig.builder().withDirectory(dir, "/data", true));

    assertEquals("0000\n", get(function, "/").bodyText());
    assertEquals("written", Files.readString(dir.resolve("new.txt"), StandardCharsets.UTF_8));
  }

  @Test
  void pathsCannotEscapeTheDirectory() throws Exception {
    Path inner = Files.createDirectory(dir.resolve("inner"));
    Files.writeString(dir.resolve("secret.txt"), "secret");
    var function =
        opener(
            "../secret.txt",
            0,
            FD_READ,
            false,
            WasmConfig.builder().withDirectory(inner, "/data", false));

    assertFalse(get(function, "/").bodyText().contains("secret"));
  }

  @Test
  void missingDirectoryIsAConfigurationError() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            opener(
                "x",
                0,
                FD_READ,
                false,
                WasmConfig.builder().withDirectory(dir.resolve("nope"), "/d", false)));
  }
}
