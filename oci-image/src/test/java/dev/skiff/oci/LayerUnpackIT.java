package dev.skiff.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testing.Prerequisites;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layers as the container backend will mount them: whiteouts and opaque directories in overlayfs
 * form, metadata kept, hostile tars refused, images from another tool (umoci) understood.
 */
class LayerUnpackIT {
  private static final int S_IFMT = 0170000;
  private static final int S_IFCHR = 0020000;
  private static final Path UMOCI = Path.of("/usr/bin/umoci");

  @TempDir Path tmp;
  private Vertx vertx;
  private LocalRegistry registry;
  private RegistryClient client;
  private LayoutPusher pusher;
  private ImageStore store;

  @BeforeEach
  void setUp() throws IOException {
    LocalRegistry.assumeInstalled();
    vertx = Vertx.vertx();
    registry = LocalRegistry.start(Files.createDirectories(tmp.resolve("registry")));
    client = RegistryClient.builder(vertx).build();
    pusher = new LayoutPusher(vertx, client);
    store =
        ImageStore.builder(vertx)
            .withDataDir(tmp.resolve("node"))
            .withRegistryClient(client)
            .build();
  }

  @AfterEach
  void tearDown() {
    if (registry != null) {
      registry.close();
    }
    if (vertx != null) {
      Await.result(store.close());
      Await.result(client.close());
      Await.result(vertx.close());
    }
  }

  @Test
  void rendersWhiteoutsAndOpaqueDirectoriesForOverlayAndKeepsMetadata() throws Exception {
    ImageLayer bottom =
        ImageLayer.builder() // gzip
            .directory("etc", 0755)
            .file("etc/keep", bytes("old"), 0644)
            .file("etc/gone", bytes("x"), 0644)
            .directory("var/cache", 0700)
            .file("var/cache/old1", bytes("1"), 0644)
            .file("var/cache/old2", bytes("2"), 0644)
            .file("usr/bin/su", bytes("setuid"), 04755)
            .file("home/user/notes", bytes("mine"), 0600, 1000, 1001)
            .file("lib/libx.so.1", bytes("elf"), 0755)
            .symlink("lib/libx.so", "libx.so.1")
            .symlink("bin/sh", "/usr/bin/busybox")
            .hardlink("lib/libx-hard.so", "lib/libx.so.1")
            .build();
    ImageLayer middle =
        ImageLayer.builder()
            .withCompression(ImageLayer.Compression.ZSTD)
            .whiteout("etc/gone")
            .opaque("var/cache")
            .file("var/cache/new", bytes("n"), 0644)
            .whiteout("home/user")
            .build();
    ImageLayer top =
        ImageLayer.ofTar(
            rawTar(
                List.of(
                    entry("etc/keep", TarConstants.LF_NORMAL, 0644, "new"),
                    entry("run/fifo", TarConstants.LF_FIFO, 0600, null),
                    entry("dev/null", TarConstants.LF_CHR, 0666, null))),
            ImageLayer.Compression.NONE);
    LayoutImage image =
        OciLayoutWriter.builder()
            .addLayer(bottom)
            .addLayer(middle)
            .addLayer(top)
            .build()
            .write(tmp.resolve("layout"), "v1");
    push(image, "layers:v1");

    long t0 = System.nanoTime();
    PreparedImage prepared =
        Await.result(store.prepare(registry.address() + "/layers:v1", PullOptions.defaults()));
    System.out.printf(
        "3-layer image (gzip, zstd, plain): pull+unpack %d ms%n",
        (System.nanoTime() - t0) / 1_000_000);
    List<Path> layers = prepared.layers();
    assertEquals(3, layers.size());
    Path l1 = layers.get(0);
    Path l2 = layers.get(1);
    Path l3 = layers.get(2);

    // Bottom layer: modes, owners, setuid, links as written.
    assertEquals(04755, mode(l1.resolve("usr/bin/su")) & 07777);
    assertEquals(0600, mode(l1.resolve("home/user/notes")) & 07777);
    assertEquals(1000, Files.getAttribute(l1.resolve("home/user/notes"), "unix:uid"));
    assertEquals(1001, Files.getAttribute(l1.resolve("home/user/notes"), "unix:gid"));
    assertEquals(0700, mode(l1.resolve("var/cache")) & 07777);
    assertEquals(Path.of("libx.so.1"), Files.readSymbolicLink(l1.resolve("lib/libx.so")));
    assertEquals(Path.of("/usr/bin/busybox"), Files.readSymbolicLink(l1.resolve("bin/sh")));
    assertEquals(
        Files.getAttribute(l1.resolve("lib/libx.so.1"), "unix:ino"),
        Files.getAttribute(l1.resolve("lib/libx-hard.so"), "unix:ino"));
    // Middle layer: whiteouts are 0/0 character devices, the opaque directory is marked.
    assertWhiteout(l2.resolve("etc/gone"));
    assertWhiteout(l2.resolve("home/user"));
    assertFalse(Files.exists(l2.resolve("etc/.wh.gone"), LinkOption.NOFOLLOW_LINKS));
    assertFalse(Files.exists(l2.resolve("var/cache/.wh..wh..opq"), LinkOption.NOFOLLOW_LINKS));
    assertEquals("y", Xattrs.get(l2.resolve("var/cache"), "trusted.overlay.opaque"));
    assertNull(Xattrs.get(l1.resolve("var/cache"), "trusted.overlay.opaque"));
    // Top layer: FIFOs are made, device nodes skipped.
    assertTrue(
        Files.readAttributes(
                l3.resolve("run/fifo"), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
            .isOther());
    assertFalse(Files.exists(l3.resolve("dev/null"), LinkOption.NOFOLLOW_LINKS));

    // What a container sees: the layers stacked by overlayfs.
    Prerequisites.requireRoot("the overlay mount check mounts");
    Path merged = Files.createDirectories(tmp.resolve("merged"));
    Path upper = Files.createDirectories(tmp.resolve("upper"));
    Path work = Files.createDirectories(tmp.resolve("work"));
    run(
        "mount",
        "-t",
        "overlay",
        "overlay",
        "-o",
        "lowerdir=" + l3 + ":" + l2 + ":" + l1 + ",upperdir=" + upper + ",workdir=" + work,
        merged.toString());
    try {
      assertEquals("new", Files.readString(merged.resolve("etc/keep")));
      assertFalse(Files.exists(merged.resolve("etc/gone"), LinkOption.NOFOLLOW_LINKS));
      assertEquals(List.of("new"), names(merged.resolve("var/cache")));
      assertFalse(Files.exists(merged.resolve("home/user"), LinkOption.NOFOLLOW_LINKS));
      assertEquals(04755, mode(merged.resolve("usr/bin/su")) & 07777);
      assertEquals("elf", Files.readString(merged.resolve("lib/libx.so")));
    } finally {
      run("umount", merged.toString());
    }
  }

  @Test
  void refusesLayersThatWriteOutsideTheirDirectory() throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("host-secrets"));
    List<Object[]> hostile =
        List.of(
            new Object[] {
              "dotdot",
              List.of(entry("../../../escaped", TarConstants.LF_NORMAL, 0644, "x")),
              "contains '..'"
            },
            new Object[] {
              "dotdot-inside",
              List.of(entry("a/b/../../../../escaped", TarConstants.LF_NORMAL, 0644, "x")),
              "contains '..'"
            },
            new Object[] {
              "absolute-symlink",
              List.of(
                  link("evil", TarConstants.LF_SYMLINK, outside.toString()),
                  entry("evil/pwned", TarConstants.LF_NORMAL, 0644, "x")),
              "goes through the symlink 'evil'"
            },
            new Object[] {
              "relative-symlink",
              List.of(
                  link("up", TarConstants.LF_SYMLINK, "../../../../../../../../.."),
                  entry(
                      "up/" + outside.toString().substring(1) + "/pwned",
                      TarConstants.LF_NORMAL,
                      0644,
                      "x")),
              "goes through the symlink 'up'"
            },
            new Object[] {
              "symlinked-dir-then-dir",
              List.of(
                  link("d", TarConstants.LF_SYMLINK, outside.toString()),
                  entry("d/sub/", TarConstants.LF_DIR, 0755, null)),
              "goes through the symlink 'd'"
            },
            new Object[] {
              "hardlink-dotdot",
              List.of(link("h", TarConstants.LF_LINK, "../../etc/passwd")),
              "contains '..'"
            },
            new Object[] {
              "hardlink-through-symlink",
              List.of(
                  link("s", TarConstants.LF_SYMLINK, "/etc"),
                  link("h", TarConstants.LF_LINK, "s/passwd")),
              "goes through the symlink 's'"
            },
            new Object[] {
              "hardlink-to-missing",
              List.of(link("h", TarConstants.LF_LINK, "etc/shadow")),
              "not earlier in this layer"
            });
    for (Object[] c : hostile) {
      String name = (String) c[0];
      @SuppressWarnings("unchecked")
      List<Raw> entries = (List<Raw>) c[1];
      LayoutImage image =
          OciLayoutWriter.builder()
              .addLayer(ImageLayer.ofTar(rawTar(entries), ImageLayer.Compression.GZIP))
              .build()
              .write(tmp.resolve("layout-" + name), name);
      push(image, "hostile:" + name);
      Throwable err =
          Await.failure(
              store.prepare(registry.address() + "/hostile:" + name, PullOptions.defaults()));
      assertInstanceOf(UnsafeLayerException.class, err, name + ": " + err);
      assertTrue(err.getMessage().contains((String) c[2]), name + ": " + err.getMessage());
      assertTrue(err.getMessage().contains("Refusing the image"), name + ": " + err.getMessage());
    }
    assertEquals(List.of(), names(outside));
    assertFalse(Files.exists(tmp.resolve("escaped")));
    assertEquals(List.of(), names(store.root().resolve("layers")), "no layer directory is left");
  }

  @Test
  void replacesASymlinkInsteadOfWritingThroughIt() throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("host"));
    Path victim = outside.resolve("victim");
    LayoutImage image =
        OciLayoutWriter.builder()
            .addLayer(
                ImageLayer.ofTar(
                    rawTar(
                        List.of(
                            link("file", TarConstants.LF_SYMLINK, victim.toString()),
                            entry("file", TarConstants.LF_NORMAL, 0644, "contents"))),
                    ImageLayer.Compression.GZIP))
            .build()
            .write(tmp.resolve("layout"), "v1");
    push(image, "replace:v1");
    PreparedImage prepared =
        Await.result(store.prepare(registry.address() + "/replace:v1", PullOptions.defaults()));
    Path file = prepared.layers().get(0).resolve("file");
    assertFalse(Files.isSymbolicLink(file));
    assertEquals("contents", Files.readString(file));
    assertFalse(Files.exists(victim));
  }

  @Test
  void unpacksAnImageBuiltByUmoci() throws Exception {
    Prerequisites.requireExecutable(UMOCI, "apt-get install umoci (bin/test does)");
    Path layout = tmp.resolve("umoci-layout");
    Path bundle = tmp.resolve("bundle");
    run("umoci", "init", "--layout", layout.toString());
    run("umoci", "new", "--image", layout + ":app");
    run("umoci", "unpack", "--image", layout + ":app", bundle.toString());
    Path rootfs = bundle.resolve("rootfs");
    Files.createDirectories(rootfs.resolve("etc"));
    Files.writeString(rootfs.resolve("etc/message"), "made by umoci\n");
    Files.writeString(rootfs.resolve("etc/obsolete"), "soon gone\n");
    Path tool = Files.writeString(rootfs.resolve("tool"), "#!/bin/true\n");
    Files.setAttribute(tool, "unix:mode", 04755);
    run("umoci", "repack", "--refresh-bundle", "--image", layout + ":app", bundle.toString());
    Files.delete(rootfs.resolve("etc/obsolete")); // umoci writes a whiteout for this
    run("umoci", "repack", "--image", layout + ":app", bundle.toString());
    run(
        "umoci",
        "config",
        "--image",
        layout + ":app",
        "--config.entrypoint",
        "/tool",
        "--config.env",
        "GREETING=hi",
        "--config.workingdir",
        "/etc");

    String digest =
        Await.result(
            pusher.push(layout, "app", registry.address() + "/umoci:v1", PushOptions.defaults()));
    PreparedImage image =
        Await.result(store.prepare(registry.address() + "/umoci:v1", PullOptions.defaults()));
    assertEquals(digest, image.manifestDigest());
    assertEquals(List.of("/tool"), image.config().entrypoint());
    assertTrue(image.config().env().contains("GREETING=hi"), image.config().env().toString());
    assertEquals("/etc", image.config().workingDir());
    assertEquals(2, image.layers().size());
    Path first = image.layers().get(0);
    Path second = image.layers().get(1);
    assertEquals("made by umoci\n", Files.readString(first.resolve("etc/message")));
    assertEquals(04755, mode(first.resolve("tool")) & 07777);
    assertWhiteout(second.resolve("etc/obsolete"));
  }

  // ---- helpers ----

  private void push(LayoutImage image, String repoAndTag) {
    Await.result(
        pusher.push(
            image.layout(),
            image.tag(),
            registry.address() + "/" + repoAndTag,
            PushOptions.defaults()));
  }

  private static void assertWhiteout(Path p) throws IOException {
    Map<String, Object> a = Files.readAttributes(p, "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
    assertEquals(S_IFCHR, (int) a.get("mode") & S_IFMT, p + " is not a character device");
    assertEquals(0L, a.get("rdev"), p + " is not device 0/0");
  }

  private static int mode(Path p) throws IOException {
    return (int) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** A tar entry and its content. */
  private record Raw(TarArchiveEntry entry, byte[] content) {}

  /** An entry with content (for regular files) or none; the name is kept exactly as given. */
  private static Raw entry(String name, byte type, int mode, String content) {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    e.setMode(mode);
    byte[] data = content == null ? new byte[0] : content.getBytes(StandardCharsets.UTF_8);
    e.setSize(data.length);
    return new Raw(e, data);
  }

  private static Raw link(String name, byte type, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, type, true);
    e.setLinkName(target);
    e.setMode(0777);
    return new Raw(e, new byte[0]);
  }

  private static byte[] rawTar(List<Raw> entries) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      for (Raw r : entries) {
        tar.putArchiveEntry(r.entry());
        tar.write(r.content());
        tar.closeArchiveEntry();
      }
    }
    return out.toByteArray();
  }

  private static void run(String... command) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(command));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
  }
}
