package dev.skiff.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The admin token in {@code {data-dir}/admin.token} (mode 0600): made at the first start with 256
 * random bits and printed that once; read at every later start.
 */
final class AdminToken {
  private static final System.Logger LOG = System.getLogger(AdminToken.class.getName());
  static final String FILE = "admin.token";

  private AdminToken() {}

  /** Reads the admin token, creating it on first use. Blocking. */
  static String loadOrCreate(Path dataDir) {
    Path file = dataDir.resolve(FILE);
    try {
      if (Files.exists(file)) {
        if (SecretFiles.readableByOthers(file)) {
          LOG.log(
              Level.WARNING,
              "{0} is readable by other users; make it private: chmod 600 {0}",
              file);
        }
        String token = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (token.isEmpty()) {
          throw new IllegalStateException(
              file + " is empty: delete it and restart skiffd to make a new admin token");
        }
        return token;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    byte[] bytes = new byte[32];
    new SecureRandom().nextBytes(bytes);
    String token = "skiff_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    SecretFiles.write(file, (token + "\n").getBytes(StandardCharsets.UTF_8));
    System.out.println(
        "skiffd: created the admin token (shown only this once; kept in "
            + file
            + ", mode 0600):\n  "
            + token);
    LOG.log(Level.INFO, "created the admin token in {0}", file);
    return token;
  }
}
