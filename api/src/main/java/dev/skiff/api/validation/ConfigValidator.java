package dev.skiff.api.validation;

import dev.skiff.api.model.ConfigMap;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

/**
 * Checks secrets and config maps, and reads a secret's values (Kubernetes' rules: keys of letters,
 * digits, '-', '_' and '.'; {@code data} in base64; {@code stringData} wins for a key in both; at
 * most 1 MiB of values).
 */
public final class ConfigValidator {
  /** Kubernetes' limit for one secret or config map. */
  public static final int MAX_BYTES = 1 << 20;

  private ConfigValidator() {}

  /** Checks a secret as written; never puts a value into a message. */
  public static void validate(Secret s) {
    Problems p = new Problems();
    metadata(p, s.metadata());
    long total = 0;
    for (Map.Entry<String, String> e : s.data().entrySet()) {
      key(p, "data", e.getKey());
      try {
        total += Base64.getDecoder().decode(e.getValue()).length;
      } catch (IllegalArgumentException | NullPointerException ex) {
        p.add("data." + e.getKey(), "is not base64", "encode the value, or give it in stringData");
      }
    }
    for (Map.Entry<String, String> e : s.stringData().entrySet()) {
      key(p, "stringData", e.getKey());
      if (e.getValue() == null) {
        p.add("stringData." + e.getKey(), "must have a value", "use an empty string for none");
      } else {
        total += e.getValue().getBytes(StandardCharsets.UTF_8).length;
      }
    }
    if (!s.sizes().isEmpty()) {
      p.add("sizes", "is set by the control plane", "remove it; give values in data or stringData");
    }
    size(p, total);
    p.throwIfAny();
  }

  public static void validate(ConfigMap c) {
    Problems p = new Problems();
    metadata(p, c.metadata());
    long total = 0;
    for (Map.Entry<String, String> e : c.data().entrySet()) {
      key(p, "data", e.getKey());
      if (e.getValue() == null) {
        p.add("data." + e.getKey(), "must have a value", "use an empty string for none");
      } else {
        total += e.getValue().getBytes(StandardCharsets.UTF_8).length;
      }
    }
    size(p, total);
    p.throwIfAny();
  }

  /** A validated secret's values by key: {@code data} decoded, then {@code stringData}. */
  public static Map<String, byte[]> values(Secret s) {
    Map<String, byte[]> out = new TreeMap<>();
    s.data().forEach((k, v) -> out.put(k, Base64.getDecoder().decode(v)));
    s.stringData().forEach((k, v) -> out.put(k, v.getBytes(StandardCharsets.UTF_8)));
    return out;
  }

  private static void metadata(Problems p, ObjectMeta m) {
    if (m == null) {
      p.add("metadata.name", "is required", Names.DNS_HINT);
      return;
    }
    Names.checkLabel(p, "metadata.name", m.name(), 63);
    if (m.namespace() != null && !m.namespace().isEmpty()) {
      Names.checkLabel(p, "metadata.namespace", m.namespace(), 63);
    }
  }

  private static void key(Problems p, String field, String key) {
    if (!EnvReferences.KEY.matcher(key).matches() || key.equals(".") || key.equals("..")) {
      p.add(field + "." + key, "is not a valid key", EnvReferences.KEY_HINT);
    }
  }

  private static void size(Problems p, long total) {
    if (total > MAX_BYTES) {
      p.add(
          "(values)",
          "add up to " + total + " bytes, more than the limit of " + MAX_BYTES,
          "split them across several secrets or config maps");
    }
  }
}
