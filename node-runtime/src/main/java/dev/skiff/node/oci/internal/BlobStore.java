package dev.skiff.node.oci.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The node's content store under {@code {data}/oci}: {@code blobs/sha256/<hex>} (manifests, configs,
 * compressed layers), {@code ingest/<hex>.partial} (downloads in progress) and {@code layers/<hex>}
 * (unpacked layers by diff id). Blocking; call from worker threads.
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
      throw new IOException("local blob " + digest + " is corrupted (hashes to " + actual
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

  /** Digests of every stored blob. */
  public Set<String> digests() throws IOException {
    Set<String> out = new HashSet<>();
    try (Stream<Path> s = Files.list(blobs)) {
      s.map(p -> "sha256:" + p.getFileName()).filter(Digests::isValid).forEach(out::add);
    }
    return out;
  }
}
