package dev.skiff.controlplane.internal.auth;

import dev.skiff.controlplane.UnsupportedMediaTypeException;
import io.vertx.core.http.HttpMethod;
import java.util.List;
import java.util.Locale;

/**
 * Writes must say they carry JSON or YAML (or, for modules, Wasm bytes). A browser can send {@code
 * text/plain}, form and multipart bodies to any site without asking first (no CORS preflight);
 * refusing those types means a page cannot write through a user's browser even where other checks
 * would let it.
 */
public final class MediaTypes {
  static final List<String> YAML = List.of("application/yaml", "application/x-yaml", "text/yaml");
  static final List<String> MANIFEST =
      List.of("application/json", "application/yaml", "application/x-yaml", "text/yaml");
  static final List<String> BLOB = List.of("application/wasm", "application/octet-stream");

  private MediaTypes() {}

  /** Throws 415 when a POST, PUT or PATCH to {@code path} carries another type. */
  public static void check(HttpMethod method, String path, String contentType) {
    if (method != HttpMethod.POST && method != HttpMethod.PUT && method != HttpMethod.PATCH) {
      return;
    }
    List<String> accepted = path.startsWith("/v1/blobs") ? BLOB : MANIFEST;
    if (accepted.contains(essence(contentType))) {
      return;
    }
    throw new UnsupportedMediaTypeException(
        method.name()
            + " "
            + path
            + " takes Content-Type "
            + String.join(" or ", accepted)
            + ", got "
            + (contentType == null ? "none" : "'" + contentType + "'"),
        "send the body with Content-Type: "
            + accepted.get(0)
            + (accepted == MANIFEST ? " (or application/yaml)" : ""));
  }

  /** Whether a request body is YAML (converted to JSON before any route parses it). */
  public static boolean isYaml(String contentType) {
    return YAML.contains(essence(contentType));
  }

  /** The type without parameters, lower case: {@code application/json; charset=utf-8} -> ... */
  private static String essence(String contentType) {
    String type = contentType == null ? "" : contentType;
    int semi = type.indexOf(';');
    return (semi >= 0 ? type.substring(0, semi) : type).trim().toLowerCase(Locale.ROOT);
  }
}
