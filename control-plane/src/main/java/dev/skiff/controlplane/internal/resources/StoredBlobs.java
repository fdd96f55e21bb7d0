package dev.skiff.controlplane.internal.resources;

import dev.skiff.controlplane.StoreException;
import dev.skiff.controlplane.spi.Entry;
import dev.skiff.controlplane.spi.Store;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Modules kept in the store itself, for a store that outlives the data directory (etcd): each blob
 * in chunks of {@value #CHUNK} bytes under {@code /skiff-blobs/chunks/<hex>/<n>} (every chunk well
 * under etcd's request limit), then its index {@code /skiff-blobs/index/<hex>} (the chunk count),
 * written last: a blob without its index is incomplete and not there. Outside {@code /skiff/}, so
 * the change feed never streams module bytes. Reads check the digest.
 */
public final class StoredBlobs {
  public static final String PREFIX = "/skiff-blobs/";
  static final int CHUNK = 512 * 1024;

  private final Store store;

  public StoredBlobs(Store store) {
    this.store = store;
  }

  private static String index(String hex) {
    return PREFIX + "index/" + hex;
  }

  private static String chunk(String hex, int n) {
    return PREFIX + "chunks/" + hex + "/" + String.format("%05d", n);
  }

  /** Stores {@code module}, whose SHA-256 is {@code hex}, unless it is there already. */
  public Future<Void> put(String hex, byte[] module) {
    return store
        .get(index(hex))
        .compose(
            existing -> {
              if (existing.isPresent()) {
                return Future.succeededFuture();
              }
              int chunks = Math.max(1, (module.length + CHUNK - 1) / CHUNK);
              List<Future<Entry>> writes = new ArrayList<>();
              for (int i = 0; i < chunks; i++) {
                int from = i * CHUNK;
                byte[] part =
                    Arrays.copyOfRange(module, from, Math.min(module.length, from + CHUNK));
                writes.add(store.put(chunk(hex, i), part, Store.ANY));
              }
              return Future.all(writes)
                  .compose(
                      all ->
                          store.put(
                              index(hex),
                              Integer.toString(chunks).getBytes(StandardCharsets.UTF_8),
                              Store.ANY))
                  .mapEmpty();
            });
  }

  /** The blob whose SHA-256 is {@code hex}, if it was stored whole. */
  public Future<Optional<byte[]>> get(String hex) {
    return store
        .get(index(hex))
        .compose(
            idx -> {
              if (idx.isEmpty()) {
                return Future.succeededFuture(Optional.<byte[]>empty());
              }
              int chunks = Integer.parseInt(new String(idx.get().value(), StandardCharsets.UTF_8));
              List<Future<Optional<Entry>>> reads = new ArrayList<>();
              for (int i = 0; i < chunks; i++) {
                reads.add(store.get(chunk(hex, i)));
              }
              return Future.all(reads).map(all -> Optional.of(join(hex, reads)));
            });
  }

  private static byte[] join(String hex, List<Future<Optional<Entry>>> reads) {
    var out = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < reads.size(); i++) {
      Optional<Entry> part = reads.get(i).result();
      if (part.isEmpty()) {
        throw new StoreException(
            "blob sha256:" + hex + " lacks its chunk " + i + " in the store; upload it again",
            null);
      }
      out.writeBytes(part.get().value());
    }
    byte[] bytes = out.toByteArray();
    if (!hex.equals(HexFormat.of().formatHex(sha256(bytes)))) {
      throw new StoreException(
          "blob sha256:" + hex + " in the store does not match its digest; upload it again", null);
    }
    return bytes;
  }

  static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
