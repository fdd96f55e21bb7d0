package dev.skiff.oci.internal;

import dev.skiff.oci.Descriptor;
import dev.skiff.oci.ImageConfig;
import dev.skiff.oci.ImagePullException;
import dev.skiff.oci.Platform;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Parses image indexes, image manifests and image configs (OCI and Docker schema2). */
public final class Manifests {
  /** An image manifest: one config and its layers, lowest first. */
  public record ImageManifest(Descriptor config, List<Descriptor> layers) {}

  /** An image config: how to run it and the digests of its uncompressed layers. */
  public record ParsedConfig(
      ImageConfig config, List<String> diffIds, String os, String architecture) {}

  private Manifests() {}

  /**
   * The media type of a manifest body: the HTTP Content-Type when it is specific, else the body's
   * {@code mediaType}, else guessed from its shape (older OCI writers omit the field).
   */
  public static String mediaType(String contentType, byte[] body) {
    String ct = contentType == null ? "" : contentType.split(";", 2)[0].strip();
    if (MediaTypes.isIndex(ct) || MediaTypes.isManifest(ct) || MediaTypes.isSchema1(ct)) {
      return ct;
    }
    JsonObject json = json(body, "manifest");
    String declared = json.getValue("mediaType") instanceof String s ? s : null;
    if (declared != null) {
      return declared;
    }
    if (json.getValue("schemaVersion") instanceof Number n && n.intValue() == 1) {
      return MediaTypes.DOCKER_SCHEMA1;
    }
    if (json.containsKey("manifests")) {
      return MediaTypes.OCI_INDEX;
    }
    if (json.containsKey("config") && json.containsKey("layers")) {
      return MediaTypes.OCI_MANIFEST;
    }
    return ct.isEmpty() ? "unknown" : ct;
  }

  public static List<Descriptor> index(byte[] body) {
    JsonArray manifests = json(body, "image index").getJsonArray("manifests");
    if (manifests == null) {
      throw new ImagePullException("image index has no manifests[]");
    }
    List<Descriptor> out = new ArrayList<>();
    for (int i = 0; i < manifests.size(); i++) {
      out.add(descriptor(manifests.getJsonObject(i)));
    }
    return out;
  }

  public static ImageManifest manifest(byte[] body) {
    JsonObject json = json(body, "image manifest");
    JsonObject config = json.getJsonObject("config");
    JsonArray layers = json.getJsonArray("layers");
    if (config == null || layers == null) {
      throw new ImagePullException("image manifest lacks config or layers[]");
    }
    List<Descriptor> out = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      out.add(descriptor(layers.getJsonObject(i)));
    }
    return new ImageManifest(descriptor(config), out);
  }

  public static ParsedConfig config(byte[] body) {
    JsonObject json = json(body, "image config");
    JsonObject c = json.getJsonObject("config", new JsonObject());
    JsonObject rootfs = json.getJsonObject("rootfs");
    if (rootfs == null || rootfs.getJsonArray("diff_ids") == null) {
      throw new ImagePullException("image config lacks rootfs.diff_ids");
    }
    Set<String> ports = new LinkedHashSet<>();
    JsonObject exposed = c.getJsonObject("ExposedPorts");
    if (exposed != null) {
      ports.addAll(exposed.fieldNames());
    }
    ImageConfig config =
        new ImageConfig(
            strings(c.getJsonArray("Entrypoint")),
            strings(c.getJsonArray("Cmd")),
            strings(c.getJsonArray("Env")),
            c.getString("WorkingDir"),
            c.getString("User"),
            ports);
    return new ParsedConfig(
        config,
        strings(rootfs.getJsonArray("diff_ids")),
        json.getString("os"),
        json.getString("architecture"));
  }

  public static Descriptor descriptor(JsonObject d) {
    String digest = d.getString("digest");
    if (!Digests.isValid(digest)) {
      throw new ImagePullException(
          "descriptor has an unsupported digest '" + digest + "' (only sha256 is supported)");
    }
    JsonObject p = d.getJsonObject("platform");
    Platform platform =
        p == null || p.getString("os") == null || p.getString("architecture") == null
            ? null
            : new Platform(p.getString("os"), p.getString("architecture"), p.getString("variant"));
    Map<String, String> annotations = new HashMap<>();
    JsonObject a = d.getJsonObject("annotations");
    if (a != null) {
      a.forEach(e -> annotations.put(e.getKey(), String.valueOf(e.getValue())));
    }
    return new Descriptor(
        d.getString("mediaType", "application/octet-stream"),
        digest,
        d.getLong("size", -1L),
        platform,
        annotations);
  }

  public static JsonObject toJson(Descriptor d) {
    JsonObject j =
        new JsonObject()
            .put("mediaType", d.mediaType())
            .put("digest", d.digest())
            .put("size", d.size());
    if (d.platform() != null) {
      JsonObject p =
          new JsonObject()
              .put("architecture", d.platform().architecture())
              .put("os", d.platform().os());
      if (d.platform().variant() != null) {
        p.put("variant", d.platform().variant());
      }
      j.put("platform", p);
    }
    if (!d.annotations().isEmpty()) {
      j.put("annotations", new JsonObject(new TreeMap<String, Object>(d.annotations())));
    }
    return j;
  }

  private static List<String> strings(JsonArray a) {
    if (a == null) {
      return List.of();
    }
    List<String> out = new ArrayList<>(a.size());
    for (int i = 0; i < a.size(); i++) {
      out.add(String.valueOf(a.getValue(i)));
    }
    return out;
  }

  private static JsonObject json(byte[] body, String what) {
    try {
      return new JsonObject(new String(body, StandardCharsets.UTF_8));
    } catch (RuntimeException e) {
      throw new ImagePullException(what + " is not valid JSON: " + e.getMessage(), e);
    }
  }
}
