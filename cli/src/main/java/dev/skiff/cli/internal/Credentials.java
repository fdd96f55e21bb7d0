package dev.skiff.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finds the token for a control plane, first found wins: {@code --token}, {@code SKIFF_TOKEN}, the
 * credentials file skiffd writes for its user ({@code
 * ${SKIFF_CONFIG_DIR:-${XDG_CONFIG_HOME:-$HOME/.config}/skiff}/credentials.json}, entry for the
 * server URL, which also names the CA file of an HTTPS API), then {@code
 * ${SKIFF_DATA_DIR:-.skiff}/admin.token}.
 *
 * @param token the bearer token
 * @param ca the PEM certificate to trust for an HTTPS API, or null for the JVM's default trust
 */
public record Credentials(String token, Path ca) {

  /** Finds the credentials for {@code server}; fails with where it looked and how to fix it. */
  public static Credentials find(String server, String tokenOption, Map<String, String> env) {
    String url = normalize(server);
    String given = tokenOption != null && !tokenOption.isBlank() ? tokenOption : null;
    String fromEnv = env.get("SKIFF_TOKEN");
    if (given == null && fromEnv != null && !fromEnv.isBlank()) {
      given = fromEnv;
    }
    List<String> looked = new ArrayList<>();
    Path file = configDir(env).resolve("credentials.json");
    JsonNode entry = null;
    // The file is read for the token when none was given, and for the CA of an HTTPS API.
    if (given == null || url.startsWith("https:")) {
      try {
        if (Files.exists(file)) {
          entry = Json.mapper().readTree(Files.readAllBytes(file)).path("servers").path(url);
        }
      } catch (IOException e) {
        looked.add(file + " (unreadable: " + e.getMessage() + ")");
      }
    }
    Path ca = entry != null && entry.hasNonNull("ca") ? Path.of(entry.get("ca").asText()) : null;
    if (given != null) {
      return new Credentials(given.trim(), ca);
    }
    looked.add("--token (not given)");
    looked.add("SKIFF_TOKEN (not set)");
    if (entry != null && entry.hasNonNull("token")) {
      return new Credentials(entry.get("token").asText(), ca);
    }
    if (looked.size() == 2) {
      looked.add(file + (Files.exists(file) ? " (no entry for " + url + ")" : " (does not exist)"));
    }
    String dataDir = env.getOrDefault("SKIFF_DATA_DIR", "");
    Path adminToken = Path.of(dataDir.isBlank() ? ".skiff" : dataDir).resolve("admin.token");
    try {
      String t = Files.readString(adminToken, StandardCharsets.UTF_8).trim();
      if (!t.isEmpty()) {
        return new Credentials(t, ca);
      }
      looked.add(adminToken + " (empty)");
    } catch (java.nio.file.NoSuchFileException e) {
      looked.add(adminToken + " (does not exist)");
    } catch (IOException e) {
      looked.add(adminToken + " (unreadable: " + e.getMessage() + ")");
    }
    throw new CliException(
        "no token for " + url + "; looked at: " + String.join(", ", looked),
        "run skiff as the user who runs skiffd on its machine (skiffd records its token for"
            + " that user), or pass --token TOKEN or set SKIFF_TOKEN; the admin token is in"
            + " {data-dir}/admin.token, and an admin makes scoped ones with skiff token create");
  }

  static Path configDir(Map<String, String> env) {
    String dir = env.get("SKIFF_CONFIG_DIR");
    if (dir != null && !dir.isBlank()) {
      return Path.of(dir);
    }
    String xdg = env.get("XDG_CONFIG_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "skiff");
    }
    String home = env.get("HOME");
    return Path.of(
        home != null && !home.isBlank() ? home : System.getProperty("user.home"),
        ".config",
        "skiff");
  }

  /** The URL as skiffd records it: no trailing slash. */
  static String normalize(String server) {
    String s = server.trim();
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }
}
