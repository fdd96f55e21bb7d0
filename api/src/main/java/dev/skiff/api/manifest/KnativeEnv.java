package dev.skiff.api.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.model.EnvSource;
import dev.skiff.api.validation.Problems;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A Knative container's env read from secrets and config maps: {@code env[].valueFrom} with {@code
 * secretKeyRef} or {@code configMapKeyRef}, and {@code envFrom} with {@code secretRef} or {@code
 * configMapRef}. Other sources ({@code fieldRef}, {@code resourceFieldRef}) are refused by path, as
 * Knative refuses them by default.
 */
final class KnativeEnv {
  private static final Set<String> VALUE_FROM = Set.of("secretKeyRef", "configMapKeyRef");
  private static final Set<String> KEY_REF = Set.of("name", "key", "optional");
  private static final Set<String> ENV_FROM = Set.of("secretRef", "configMapRef", "prefix");
  private static final Set<String> REF = Set.of("name", "optional");

  private KnativeEnv() {}

  static EnvSource valueFrom(Problems p, String path, JsonNode v) {
    KnativeService.fields(p, path, v, VALUE_FROM);
    boolean secret = v.has("secretKeyRef");
    if (secret == v.has("configMapKeyRef")) {
      p.add(path, "needs exactly one of secretKeyRef or configMapKeyRef", null);
      return null;
    }
    String at = path + (secret ? ".secretKeyRef" : ".configMapKeyRef");
    JsonNode ref = v.get(secret ? "secretKeyRef" : "configMapKeyRef");
    KnativeService.fields(p, at, ref, KEY_REF);
    String name = KnativeService.text(p, at + ".name", ref.path("name"));
    String key = KnativeService.text(p, at + ".key", ref.path("key"));
    Boolean optional = bool(p, at + ".optional", ref.path("optional"));
    return new EnvSource(secret ? name : null, secret ? null : name, key, null, optional);
  }

  static List<EnvSource> envFrom(Problems p, String path, JsonNode list) {
    List<EnvSource> out = new ArrayList<>();
    if (list.isMissingNode() || list.isNull()) {
      return out;
    }
    if (!list.isArray()) {
      p.add(path, "must be a list of {secretRef} or {configMapRef}", null);
      return out;
    }
    for (int i = 0; i < list.size(); i++) {
      String at = path + "[" + i + "]";
      JsonNode e = list.get(i);
      KnativeService.fields(p, at, e, ENV_FROM);
      boolean secret = e.has("secretRef");
      if (secret == e.has("configMapRef")) {
        p.add(at, "needs exactly one of secretRef or configMapRef", null);
        continue;
      }
      String refAt = at + (secret ? ".secretRef" : ".configMapRef");
      JsonNode ref = e.get(secret ? "secretRef" : "configMapRef");
      KnativeService.fields(p, refAt, ref, REF);
      String name = KnativeService.text(p, refAt + ".name", ref.path("name"));
      String prefix =
          e.has("prefix") ? KnativeService.text(p, at + ".prefix", e.get("prefix")) : null;
      Boolean optional = bool(p, refAt + ".optional", ref.path("optional"));
      out.add(new EnvSource(secret ? name : null, secret ? null : name, null, prefix, optional));
    }
    return out;
  }

  private static Boolean bool(Problems p, String path, JsonNode n) {
    if (n.isMissingNode() || n.isNull()) {
      return null;
    }
    if (!n.isBoolean()) {
      p.add(path, "must be true or false", null);
      return null;
    }
    return n.asBoolean();
  }
}
