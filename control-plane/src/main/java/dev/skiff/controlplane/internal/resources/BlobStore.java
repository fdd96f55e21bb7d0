package dev.skiff.controlplane.internal.resources;

import dev.skiff.controlplane.ModuleInvalidException;
import dev.skiff.controlplane.NotFoundException;
import dev.skiff.controlplane.StoreException;
import dev.skiff.controlplane.spi.ModuleValidator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Wasm modules stored by content under {@code {dir}/sha256/<hex>}: validated, written to a temp
 * file, fsync'd, renamed into place and the directory fsync'd, so a blob either exists whole or not
 * at all. All file work runs on Vert.x worker threads.
 *
 * <p>With a store that outlives the data directory (etcd), every blob is also kept in the store
 * ({@link StoredBlobs}) and the directory is a cache of it: a blob missing from the directory is
 * fetched from the store on first use.
 */
public final class BlobStore {
  /** The largest module accepted. */
  public static final long LIMIT = 64L << 20;

  private static final Pattern DIGEST = Pattern.compile("sha256:([0-9a-f]{64})");

  private final Vertx vertx;
  private final Path dir;
  private final ModuleValidator validator;
  private final StoredBlobs inStore;

  /** A stored module. */
  public record Blob(String digest, long size) {}

  private record Read(Blob blob, byte[] module) {}

  public BlobStore(Vertx vertx, Path dir, ModuleValidator validator) {
    this(vertx, dir, validator, null);
  }

  /**
   * @param inStore where blobs are kept beside the directory, or null for the directory alone
   */
  public BlobStore(Vertx vertx, Path dir, ModuleValidator validator, StoredBlobs inStore) {
    this.vertx = vertx;
    this.dir = dir.resolve("sha256");
    this.validator = validator;
    this.inStore = inStore;
  }

  /** Validates and stores {@code module}; {@code field} names it in a validation failure. */
  public Future<Blob> put(byte[] module, String field) {
    return vertx.executeBlocking(() -> store(module, field), false).compose(b -> keep(b, module));
  }

  /** Keeps the blob in the store too, when blobs live there. */
  private Future<Blob> keep(Blob b, byte[] module) {
    if (inStore == null) {
      return Future.succeededFuture(b);
    }
    return inStore.put(b.digest().substring("sha256:".length()), module).map(b);
  }

  /** Reads, validates and stores the module in a local file. */
  public Future<Blob> putFile(Path file, String field) {
    return vertx
        .executeBlocking(
            () -> {
              long size = Files.size(file);
              if (size > LIMIT) {
                throw new ModuleInvalidException(
                    field, file + " is " + size + " bytes, over the limit of " + LIMIT);
              }
              byte[] module = Files.readAllBytes(file);
              return new Read(store(module, field), module);
            },
            false)
        .compose(r -> keep(r.blob(), r.module()));
  }

  /** The file holding the blob {@code digest}; fails with {@link NotFoundException}. */
  public Future<Path> path(String digest) {
    Future<Path> local =
        vertx.executeBlocking(
            () -> {
              Path p = file(digest);
              if (!Files.isRegularFile(p)) {
                throw new NotFoundException(
                    "no blob " + digest, "upload the module first: POST /v1/blobs");
              }
              return p;
            },
            false);
    if (inStore == null) {
      return local;
    }
    return local.recover(
        err -> {
          if (!(err instanceof NotFoundException) || !DIGEST.matcher(digest).matches()) {
            return Future.failedFuture(err);
          }
          String hex = digest.substring("sha256:".length());
          return inStore
              .get(hex)
              .compose(
                  bytes ->
                      bytes.isEmpty()
                          ? Future.failedFuture(err)
                          : vertx.executeBlocking(() -> write(hex, bytes.get()), false));
        });
  }

  public Future<Boolean> exists(String digest) {
    return path(digest)
        .map(true)
        .recover(
            e ->
                e instanceof NotFoundException
                    ? Future.succeededFuture(false)
                    : Future.failedFuture(e));
  }

  private Path file(String digest) {
    var m = DIGEST.matcher(digest == null ? "" : digest);
    if (!m.matches()) {
      throw new NotFoundException(
          "'" + digest + "' is not a blob digest", "digests look like sha256:<64 hex>");
    }
    return dir.resolve(m.group(1));
  }

  private Blob store(byte[] module, String field) {
    try {
      validator.validate(module);
    } catch (RuntimeException e) {
      throw new ModuleInvalidException(field, String.valueOf(e.getMessage()));
    }
    String hex = HexFormat.of().formatHex(sha256(module));
    write(hex, module);
    return new Blob("sha256:" + hex, module.length);
  }

  /** Writes {@code module} to its file unless it is there; blocking. */
  private Path write(String hex, byte[] module) {
    Path target = dir.resolve(hex);
    try {
      if (!Files.exists(target)) {
        Files.createDirectories(dir);
        Path tmp = dir.resolve(hex + "." + UUID.randomUUID() + ".tmp");
        try (FileChannel ch =
            FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          ByteBuffer buf = ByteBuffer.wrap(module);
          while (buf.hasRemaining()) {
            ch.write(buf);
          }
          ch.force(true);
        }
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
          d.force(true);
        }
      }
      return target;
    } catch (IOException e) {
      throw new StoreException("cannot store blob sha256:" + hex + ": " + e.getMessage(), e);
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
