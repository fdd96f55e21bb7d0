package dev.skiff.oci.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.ZstdOutputStream;
import dev.skiff.oci.DigestMismatchException;
import dev.skiff.oci.UnsafeLayerException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The unpacker on hand-made tars; owners are the test's own, so this runs without root. */
class LayerUnpackerTest {
  @TempDir Path tmp;
  private Path root;
  private int uid;
  private int gid;

  @BeforeEach
  void setUp() throws IOException {
    root = Files.createDirectory(tmp.resolve("layer"));
    uid = (int) Files.getAttribute(root, "unix:uid");
    gid = (int) Files.getAttribute(root, "unix:gid");
  }

  @Test
  void readsPlainGzipAndZstdAndReturnsTheDiffId() throws IOException {
    byte[] tar = tar(file("a/b.txt", "hello", 0640));
    for (byte[] blob : new byte[][] {tar, gzip(tar), zstd(tar)}) {
      Path dir = Files.createTempDirectory(tmp, "l");
      String diffId =
          LayerUnpacker.unpack(new ByteArrayInputStream(blob), dir, "t", Digests.of(tar));
      assertEquals(Digests.of(tar), diffId);
      assertEquals("hello", Files.readString(dir.resolve("a/b.txt")));
      assertEquals(0640, (int) Files.getAttribute(dir.resolve("a/b.txt"), "unix:mode") & 07777);
    }
  }

  @Test
  void rejectsContentThatIsNotTheDiffId() throws IOException {
    byte[] tar = tar(file("x", "1", 0644));
    String wrong = Digests.of(new byte[] {1});
    DigestMismatchException e =
        assertThrows(
            DigestMismatchException.class,
            () ->
                LayerUnpacker.unpack(new ByteArrayInputStream(gzip(tar)), root, "layer L", wrong));
    assertEquals(wrong, e.expected());
    assertEquals(Digests.of(tar), e.actual());
    assertTrue(e.getMessage().startsWith("layer L (uncompressed"), e.getMessage());
  }

  @Test
  void refusesDotDotAndPathsThroughSymlinks() throws IOException {
    assertUnsafe(tar(file("../x", "1", 0644)), "contains '..'");
    assertUnsafe(
        tar(symlink("l", "/"), file("l/etc/x", "1", 0644)), "goes through the symlink 'l'");
    assertUnsafe(tar(symlink("l", "."), file("l/x", "1", 0644)), "goes through the symlink 'l'");
    assertUnsafe(tar(hardlink("h", "/../../etc/passwd")), "contains '..'");
    assertUnsafe(tar(file("f", "1", 0644), file("f/g", "1", 0644)), "'f' is not a directory");
  }

  @Test
  void laterEntriesReplaceEarlierOnesWithoutFollowingThem() throws IOException {
    Path victim = tmp.resolve("victim");
    Files.writeString(victim, "untouched");
    LayerUnpacker.unpack(
        new ByteArrayInputStream(
            tar(
                symlink("f", victim.toString()), file("f", "new", 0644),
                file("d/inner", "x", 0644), file("d", "now a file", 0600))),
        root,
        "t",
        null);
    assertEquals("untouched", Files.readString(victim));
    assertEquals("new", Files.readString(root.resolve("f")));
    assertEquals("now a file", Files.readString(root.resolve("d")));
  }

  private void assertUnsafe(byte[] tar, String message) throws IOException {
    Path dir = Files.createTempDirectory(tmp, "u");
    UnsafeLayerException e =
        assertThrows(
            UnsafeLayerException.class,
            () -> LayerUnpacker.unpack(new ByteArrayInputStream(tar), dir, "layer L", null));
    assertTrue(e.getMessage().contains(message), e.getMessage());
  }

  private record Entry(TarArchiveEntry header, byte[] content) {}

  private Entry file(String name, String content, int mode) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
    byte[] data = content.getBytes(StandardCharsets.UTF_8);
    e.setSize(data.length);
    e.setMode(mode);
    e.setIds(uid, gid);
    return new Entry(e, data);
  }

  private Entry symlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_SYMLINK, true);
    e.setLinkName(target);
    e.setIds(uid, gid);
    return new Entry(e, new byte[0]);
  }

  private Entry hardlink(String name, String target) {
    TarArchiveEntry e = new TarArchiveEntry(name, TarConstants.LF_LINK, true);
    e.setLinkName(target);
    e.setIds(uid, gid);
    return new Entry(e, new byte[0]);
  }

  private static byte[] tar(Entry... entries) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
      for (Entry e : entries) {
        t.putArchiveEntry(e.header());
        t.write(e.content());
        t.closeArchiveEntry();
      }
    }
    return out.toByteArray();
  }

  private static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream z = new GZIPOutputStream(out)) {
      z.write(b);
    }
    return out.toByteArray();
  }

  private static byte[] zstd(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream z = new ZstdOutputStream(out)) {
      z.write(b);
    }
    return out.toByteArray();
  }
}
