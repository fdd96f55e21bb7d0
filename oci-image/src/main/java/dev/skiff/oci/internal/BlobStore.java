package dev.skiff.oci.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The node's content store under {@code {data}/oci}: {@code blobs/sha256/<hex>} (manifests,
 * configs, compressed layers), {@code ingest/<hex>.partial} (downloads in progress) and {@code
 * layers/<hex>} (unpacked layers by diff id). Blocking; call from worker threads.
 */
public final class BlobStore {
  private final Path root;
  private final Path blobs;
  private final Path ingest;
  private final Path layers;

  public BlobStore(Path ociRoot) throws IOException {
    this.root = ociRoot;
    this.blobs = Files.createDirectories(ociRoot.resolve("blobs").resolve("sha256"));
    this.ingest = Files.createDirectories(ociRoot.resolve("ingest"));
    this.layers = Files.createDirectories(ociRoot.resolve("layers"));
  }

  public Path root() {
    return root;
  }

  public Path blob(String digest) {
    return blobs.resolve(Digests.hex(digest));
  }

  public Path partial(String digest) {
    return ingest.resolve(Digests.hex(digest) + ".partial");
  }

  public Path layer(String diffId) {
    return layers.resolve(Digests.hex(diffId));
  }

  public Path layersDir() {
    return layers;
  }

  public Path ingestDir() {
    return ingest;
  }

  public boolean has(String digest) {
    return Files.isRegularFile(blob(digest));
  }

  /** Reads a blob and checks it still hashes to its name; null when absent. */
  public byte[] read(String digest) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(blob(digest));
    } catch (NoSuchFileException e) {
      return null;
    }
    String actual = Digests.of(bytes);
    if (!actual.equals(digest)) {
      Files.deleteIfExists(blob(digest));
      throw new IOException(
          "local blob "
              + digest
              + " is corrupted (hashes to "
              + actual
              + "); removed it, pull again");
    }
    return bytes;
  }

  /** Stores {@code bytes} under their digest, atomically and durably. */
  public void put(String digest, byte[] bytes) throws IOException {
    String actual = Digests.of(bytes);
    if (!actual.equals(digest)) {
      throw new IllegalArgumentException("bytes hash to " + actual + ", not " + digest);
    }
    if (!has(digest)) {
      FileSync.write(blob(digest), bytes);
    }
  }

  /**
   * Copies {@code source} in as blob {@code digest}, atomically and durably, if it hashes to that
   * digest; keeps nothing otherwise.
   *
   * @return what {@code source} hashes to
   */
  public String copyIn(Path source, String digest) throws IOException {
    if (has(digest)) {
      return digest;
    }
    Path tmp = Files.createTempFile(ingest, "import-" + Digests.hex(digest) + "-", ".tmp");
    try {
      MessageDigest md = Digests.sha256();
      try (InputStream in = Files.newInputStream(source);
          FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        byte[] buf = new byte[64 * 1024];
        for (int n; (n = in.read(buf)) > 0; ) {
          md.update(buf, 0, n);
          ByteBuffer chunk = ByteBuffer.wrap(buf, 0, n);
          while (chunk.hasRemaining()) {
            out.write(chunk);
          }
        }
        out.force(true);
      }
      String actual = Digests.of(md);
      if (actual.equals(digest)) {
        Files.move(
            tmp, blob(digest), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        FileSync.directory(blobs);
      }
      return actual;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Digests of every stored blob. */
  public Set<String> digests() throws IOException {
    Set<String> out = new HashSet<>();
    try (Stream<Path> s = Files.list(blobs)) {
      s.map(p -> "sha256:" + p.getFileName()).filter(Digests::isValid).forEach(out::add);
    }
    return out;
  }
}
