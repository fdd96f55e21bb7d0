package dev.skiff.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.manifest.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The CLI's credentials file, {@code {config-dir}/credentials.json} (directory 0700, file 0600):
 * {@code {"servers": {"<API URL>": {"token": "...", "ca": "<PEM file>"}}}}. skiffd adds or replaces
 * its own entry at every start, so {@code skiff} run by the same user finds the token without
 * flags. Other entries are kept.
 */
final class CliCredentials {
  static final String FILE = "credentials.json";

  private CliCredentials() {}

  /**
   * The directory: {@code $SKIFF_CONFIG_DIR}, else {@code $XDG_CONFIG_HOME/skiff}, else {@code
   * $HOME/.config/skiff}; the same rule as the CLI's.
   */
  static Path defaultDir(Map<String, String> env) {
    String dir = env.get("SKIFF_CONFIG_DIR");
    if (dir != null && !dir.isBlank()) {
      return Path.of(dir);
    }
    String xdg = env.get("XDG_CONFIG_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "skiff");
    }
    return Path.of(System.getProperty("user.home"), ".config", "skiff");
  }

  /** Records {@code token} (and {@code ca}, may be null) for {@code url}. Blocking. */
  static void record(Path dir, String url, String token, Path ca) throws IOException {
    SecretFiles.directory(dir);
    Path file = dir.resolve(FILE);
    ObjectNode root = Json.mapper().createObjectNode();
    if (Files.exists(file)) {
      try {
        var read = Json.mapper().readTree(Files.readAllBytes(file));
        if (read instanceof ObjectNode o) {
          root = o;
        }
      } catch (IOException e) {
        // An unreadable file is replaced: it only ever holds what skiffd wrote.
      }
    }
    ObjectNode servers =
        root.get("servers") instanceof ObjectNode s ? s : root.putObject("servers");
    ObjectNode entry = servers.putObject(url);
    entry.put("token", token);
    if (ca != null) {
      entry.put("ca", ca.toAbsolutePath().toString());
    }
    SecretFiles.write(
        file,
        Json.mapper()
            .writerWithDefaultPrettyPrinter()
            .writeValueAsString(root)
            .getBytes(StandardCharsets.UTF_8));
  }
}
