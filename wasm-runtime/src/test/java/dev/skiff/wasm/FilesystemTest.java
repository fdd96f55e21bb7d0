package dev.skiff.wasm;

import static dev.skiff.wasm.Calls.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
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
  private static final int FOLLOW = 1;
  private static final String ENOTCAPABLE = "0076\n";
  private static final String EPERM = "0063\n";
  private static WasmRuntime runtime;
  @TempDir Path dir;
  @TempDir Path outside;

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

  /** A mount with a secret next to it, outside, and the host's own /etc/passwd. */
  private Path mountWithLinksOut() throws Exception {
    Files.writeString(outside.resolve("secret.txt"), "top secret");
    Path mount = Files.createDirectory(dir.resolve("mount"));
    Files.writeString(mount.resolve("greeting.txt"), "hello from disk");
    Files.createSymbolicLink(mount.resolve("secret-link"), outside.resolve("secret.txt"));
    Files.createSymbolicLink(mount.resolve("passwd-link"), Path.of("/etc/passwd"));
    Files.createSymbolicLink(mount.resolve("etc"), Path.of("/etc"));
    Files.createSymbolicLink(
        mount.resolve("relative-link"), mount.relativize(outside.resolve("secret.txt")));
    Files.createSymbolicLink(mount.resolve("alias.txt"), Path.of("greeting.txt"));
    return mount;
  }

  private String openThroughLink(Path mount, String path, long rights, boolean writable) {
    int oflags = (rights & FD_WRITE) != 0 ? O_TRUNC : 0;
    return get(
            runtime.load(
                Wat.openFile(path, FOLLOW, oflags, rights, (rights & FD_WRITE) != 0),
                WasmConfig.builder().withDirectory(mount, "/data", writable).build()),
            "/")
        .bodyText();
  }

  @Test
  void hostLinksPointingOutsideAreRefusedForReading() throws Exception {
    Path mount = mountWithLinksOut();

    for (String path :
        List.of(
            "secret-link", "passwd-link", "etc/passwd", "relative-link", "./etc/../etc/passwd")) {
      String body = openThroughLink(mount, path, FD_READ, false);
      assertEquals(ENOTCAPABLE, body, path);
    }
  }

  @Test
  void hostLinksPointingOutsideAreRefusedForWriting() throws Exception {
    Path mount = mountWithLinksOut();

    for (String path : List.of("secret-link", "relative-link")) {
      assertEquals(ENOTCAPABLE, openThroughLink(mount, path, FD_WRITE, true), path);
    }
    assertEquals("top secret", Files.readString(outside.resolve("secret.txt")));
  }

  @Test
  void linksThatStayInsideTheDirectoryAreFollowed() throws Exception {
    Path mount = mountWithLinksOut();

    assertEquals("0000\nhello from disk", openThroughLink(mount, "alias.txt", FD_READ, false));
  }

  @Test
  void absoluteGuestPathsAreRefused() throws Exception {
    Path mount = mountWithLinksOut();

    assertEquals(ENOTCAPABLE, openThroughLink(mount, "/etc/passwd", FD_READ, false));
  }

  @Test
  void guestCannotCreateALinkPointingOutside() throws Exception {
    Path mount = mountWithLinksOut();
    var config = WasmConfig.builder().withDirectory(mount, "/data", true).build();

    for (String target : List.of("/etc/passwd", "../outside", "a/../../x")) {
      var function = runtime.load(Wat.symlink(target, "made-by-guest"), config);
      assertEquals(EPERM, get(function, "/").bodyText(), target);
    }
    assertFalse(Files.exists(mount.resolve("made-by-guest"), LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void guestMayCreateALinkDownwards() throws Exception {
    Path mount = mountWithLinksOut();
    var config = WasmConfig.builder().withDirectory(mount, "/data", true).build();

    var function = runtime.load(Wat.symlink("greeting.txt", "made-by-guest"), config);

    assertEquals("0000\n", get(function, "/").bodyText());
    assertEquals(Path.of("greeting.txt"), Files.readSymbolicLink(mount.resolve("made-by-guest")));
    assertEquals("0000\nhello from disk", openThroughLink(mount, "made-by-guest", FD_READ, false));
  }

  @Test
  void pathsRelativeToADirectoryTheGuestOpenedStayInside() throws Exception {
    Files.writeString(dir.resolve("secret.txt"), "top secret");
    Path mount = Files.createDirectory(dir.resolve("mount"));
    Files.writeString(mount.resolve("greeting.txt"), "hello from disk");
    Path sub = Files.createDirectory(mount.resolve("sub"));
    Files.createSymbolicLink(sub.resolve("up"), Path.of("../../secret.txt"));
    Files.createSymbolicLink(sub.resolve("sibling"), Path.of("../greeting.txt"));
    var config = WasmConfig.builder().withDirectory(mount, "/data", false).build();

    assertEquals(
        "0000\nhello from disk",
        get(runtime.load(Wat.openInSubdirectory("sub", "../greeting.txt"), config), "/")
            .bodyText());
    assertEquals(
        "0000\nhello from disk",
        get(runtime.load(Wat.openInSubdirectory("sub", "sibling"), config), "/").bodyText());
    for (String path : List.of("../../secret.txt", "up", "../sub/../../secret.txt")) {
      assertEquals(
          ENOTCAPABLE,
          get(runtime.load(Wat.openInSubdirectory("sub", path), config), "/").bodyText(),
          path);
    }
  }

  @Test
  void guestCannotMoveALinkThatPointsUpwards() throws Exception {
    Path mount = Files.createDirectory(dir.resolve("mount"));
    Files.createDirectories(mount.resolve("a/b"));
    Files.writeString(mount.resolve("a/inner.txt"), "inner");
    Files.createSymbolicLink(mount.resolve("a/b/up"), Path.of("../inner.txt"));
    Files.createSymbolicLink(mount.resolve("a/b/down"), Path.of("inner.txt"));
    var config = WasmConfig.builder().withDirectory(mount, "/data", true).build();

    assertEquals(EPERM, get(runtime.load(Wat.rename("a/b/up", "up"), config), "/").bodyText());
    assertEquals(
        "0000\n", get(runtime.load(Wat.rename("a/b/down", "down"), config), "/").bodyText());

    assertTrue(Files.isSymbolicLink(mount.resolve("a/b/up")));
    assertFalse(Files.exists(mount.resolve("up"), LinkOption.NOFOLLOW_LINKS));
    assertTrue(Files.isSymbolicLink(mount.resolve("down")));
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
