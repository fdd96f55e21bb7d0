package dev.skiff.nodeagent;

import dev.skiff.node.spi.ModuleSource;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Wasm modules for a remote node: from its cache ({@code {dir}/sha256/{hex}}) when there, else
 * streamed from the control plane (GetModule), checked against the digest and written to the cache
 * (a temporary file moved into place, so a crash leaves no half module). A module whose bytes do
 * not hash to its digest is refused, never cached.
 */
public final class RemoteModules implements ModuleSource {
  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

  /** As the control plane's upload limit. */
  static final long MAX_BYTES = 64L << 20;

  private final Vertx vertx;
  private final WorkCalls calls;
  private final Path dir;
  private final Set<String> held = ConcurrentHashMap.newKeySet();

  public RemoteModules(Vertx vertx, WorkCalls calls, Path dir) {
    this.vertx = Objects.requireNonNull(vertx);
    this.calls = Objects.requireNonNull(calls);
    this.dir = dir.resolve("sha256");
  }

  /** Reads which modules the cache holds (once, at start); {@link #held} answers from then on. */
  public Future<Void> scan() {
    return vertx.executeBlocking(
        () -> {
          if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
              files
                  .map(p -> p.getFileName().toString())
                  .filter(n -> n.matches("[0-9a-f]{64}"))
                  .forEach(n -> held.add("sha256:" + n));
            }
          }
          return null;
        });
  }

  /** The digests of the modules in the cache, as far as {@link #scan} and fetches know. */
  public Set<String> held() {
    return Set.copyOf(held);
  }

  @Override
  public Future<byte[]> module(String digest) {
    if (digest == null || !DIGEST.matcher(digest).matches()) {
      return Future.failedFuture(
          new NodeAgentException(
              "'" + digest + "' is not a module digest; expected sha256: and 64 hex digits"));
    }
    Path file = dir.resolve(digest.substring("sha256:".length()));
    return vertx
        .executeBlocking(
            () -> Files.exists(file) ? checked(digest, Files.readAllBytes(file)) : null)
        .compose(
            cached ->
                cached != null
                    ? Future.succeededFuture(cached)
                    : calls
                        .module(digest, MAX_BYTES)
                        .compose(
                            b -> vertx.executeBlocking(() -> store(file, digest, b.getBytes()))))
        .onSuccess(b -> held.add(digest));
  }

  private byte[] store(Path file, String digest, byte[] bytes) throws IOException {
    checked(digest, bytes);
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "module-", ".part");
    try {
      Files.write(tmp, bytes);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return bytes;
  }

  /** {@code bytes}, if they hash to {@code digest}; a {@link NodeAgentException} otherwise. */
  static byte[] checked(String digest, byte[] bytes) {
    String actual;
    try {
      actual =
          "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    if (!actual.equals(digest)) {
      throw new NodeAgentException(
          "module "
              + digest
              + " arrived as "
              + bytes.length
              + " bytes hashing to "
              + actual
              + "; refused (the control plane's copy or the transfer is corrupt)");
    }
    return bytes;
  }
}
