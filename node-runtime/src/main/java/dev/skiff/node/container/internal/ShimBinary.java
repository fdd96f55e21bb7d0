package dev.skiff.node.container.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The shim (src/main/c/skiff-shim.c), which the build compiles into this module's resources: put on
 * disk under the data directory, named by its SHA-256, so an agent of another build never runs this
 * one's, and a file that does not hash to its name is replaced. Blocking.
 */
public final class ShimBinary {
  static final String RESOURCE = "skiff-shim";

  private ShimBinary() {}

  /** The shim's path under {@code dataDir}; null when this build carries none (no gcc). */
  public static Path extract(Path dataDir) throws IOException {
    byte[] bytes;
    try (InputStream in = ShimBinary.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        return null;
      }
      bytes = in.readAllBytes();
    }
    String sha = sha256(bytes);
    Path dir = dataDir.resolve("bin");
    Path target = dir.resolve("skiff-shim-" + sha.substring(0, 16));
    if (Files.isRegularFile(target)
        && Files.isExecutable(target)
        && sha256(Files.readAllBytes(target)).equals(sha)) {
      return target;
    }
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, ".skiff-shim", ".tmp");
    try {
      Files.write(tmp, bytes);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwx------"));
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
    return target;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
