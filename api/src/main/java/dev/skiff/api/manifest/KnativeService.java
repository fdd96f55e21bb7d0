package dev.skiff.api.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.model.Authorization;
import dev.skiff.api.model.EnvSource;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Probe;
import dev.skiff.api.model.Resources;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.api.validation.AuthorizationRules;
import dev.skiff.api.validation.Problems;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Maps a Knative {@code serving.knative.dev/v1} Service onto Skiff's model. The fields Skiff runs
 * (one container's image, env, ports, resources; containerConcurrency, timeoutSeconds; annotations;
 * traffic) are taken as they are; fields Skiff cannot honour are rejected by path rather than
 * silently dropped. Skiff's own setting rides on the Service's metadata as annotations: {@code
 * skiff.dev/allow} (comma-separated callers) and {@code skiff.dev/mesh-mode} ({@code strict} or
 * {@code permissive}) become {@code spec.authorization} and leave the annotations.
 */
final class KnativeService {
  static final String API_VERSION = "serving.knative.dev/v1";

  private static final Set<String> TOP = Set.of("apiVersion", "kind", "metadata", "spec", "status");
  private static final Set<String> META = Set.of("name", "namespace", "labels", "annotations");
  private static final Set<String> SPEC = Set.of("template", "traffic");
  private static final Set<String> TEMPLATE = Set.of("metadata", "spec");
  private static final Set<String> TEMPLATE_META = Set.of("annotations", "labels", "name");
  private static final Set<String> POD =
      Set.of("containers", "containerConcurrency", "timeoutSeconds");
  private static final Set<String> CONTAINER =
      Set.of(
          "image",
          "env",
          "envFrom",
          "ports",
          "resources",
          "name",
          "args",
          "command",
          "readinessProbe",
          "livenessProbe");
  private static final Set<String> PORT = Set.of("containerPort", "name", "protocol");
  private static final Set<String> RESOURCES = Set.of("limits", "requests");
  private static final Set<String> ENV = Set.of("name", "value", "valueFrom");

  private KnativeService() {}

  static Service toService(ObjectNode doc) {
    Problems p = new Problems();
    fields(p, "", doc, TOP);
    ObjectMeta meta = metadata(p, doc.path("metadata"));
    JsonNode spec = doc.path("spec");
    fields(p, "spec", spec, SPEC);
    JsonNode template = spec.path("template");
    fields(p, "spec.template", template, TEMPLATE);
    fields(p, "spec.template.metadata", template.path("metadata"), TEMPLATE_META);
    String revisionName =
        template.path("metadata").has("name")
            ? text(p, "spec.template.metadata.name", template.path("metadata").path("name"))
            : null;
    Map<String, String> annotations =
        stringMap(
            p, "spec.template.metadata.annotations", template.path("metadata").path("annotations"));
    for (String key :
        List.of(AuthorizationRules.ALLOW_ANNOTATION, AuthorizationRules.MODE_ANNOTATION)) {
      if (annotations.containsKey(key)) {
        p.add(
            "spec.template.metadata.annotations[" + key + "]",
            "authorization is set per service, not per revision",
            "move it to the Service's metadata.annotations");
      }
    }
    JsonNode pod = template.path("spec");
    fields(p, "spec.template.spec", pod, POD);
    JsonNode containers = pod.path("containers");
    String image = null;
    Map<String, String> env = new LinkedHashMap<>();
    Map<String, EnvSource> envValueFrom = new LinkedHashMap<>();
    List<EnvSource> envFrom = List.of();
    Probe readiness = null;
    Probe liveness = null;
    Integer port = null;
    Resources resources = null;
    if (!containers.isArray() || containers.size() != 1) {
      p.add(
          "spec.template.spec.containers",
          "must list exactly one container",
          "Skiff runs one container per revision; sidecars are the platform's");
    } else {
      String at = "spec.template.spec.containers[0]";
      JsonNode c = containers.get(0);
      fields(p, at, c, CONTAINER);
      for (String unsupported : List.of("args", "command")) {
        if (c.has(unsupported)) {
          p.add(
              at + "." + unsupported,
              "is not supported yet",
              "bake it into the image's entrypoint");
        }
      }
      image = text(p, at + ".image", c.path("image"));
      env = env(p, at + ".env", c.path("env"), envValueFrom);
      envFrom = KnativeEnv.envFrom(p, at + ".envFrom", c.path("envFrom"));
      readiness = KnativeProbes.probe(p, at + ".readinessProbe", c.path("readinessProbe"));
      liveness = KnativeProbes.probe(p, at + ".livenessProbe", c.path("livenessProbe"));
      port = port(p, at + ".ports", c.path("ports"));
      String portName = portName(p, at + ".ports[0].name", c.path("ports").path(0).path("name"));
      if (portName != null) {
        annotations = new LinkedHashMap<>(annotations);
        annotations.put(RevisionTemplate.PORT_NAME_ANNOTATION, portName);
      }
      resources = resources(p, at + ".resources", c.path("resources"));
    }
    Integer cc =
        integer(p, "spec.template.spec.containerConcurrency", pod.path("containerConcurrency"));
    Integer timeout = integer(p, "spec.template.spec.timeoutSeconds", pod.path("timeoutSeconds"));
    List<TrafficTarget> traffic = traffic(p, spec.path("traffic"));
    Authorization authorization = authorization(p, meta.annotations());
    p.throwIfAny();
    RevisionTemplate t =
        RevisionTemplate.builder()
            .image(image)
            .env(env)
            .port(port)
            .containerConcurrency(cc)
            .timeoutSeconds(timeout)
            .resources(resources)
            .annotations(annotations)
            .name(revisionName)
            .envValueFrom(envValueFrom)
            .envFrom(envFrom)
            .readinessProbe(readiness)
            .livenessProbe(liveness)
            .build();
    Map<String, String> rest = new LinkedHashMap<>(meta.annotations());
    rest.remove(AuthorizationRules.ALLOW_ANNOTATION);
    rest.remove(AuthorizationRules.MODE_ANNOTATION);
    ObjectMeta m =
        new ObjectMeta(meta.name(), meta.namespace(), null, null, null, null, meta.labels(), rest);
    return Service.of(m, new ServiceSpec(t, traffic, authorization));
  }

  /** {@code skiff.dev/allow} and {@code skiff.dev/mesh-mode} as an authorization, or null. */
  private static Authorization authorization(Problems p, Map<String, String> annotations) {
    String allowText = annotations.get(AuthorizationRules.ALLOW_ANNOTATION);
    String modeText = annotations.get(AuthorizationRules.MODE_ANNOTATION);
    if (allowText == null && modeText == null) {
      return null;
    }
    List<String> allow = new ArrayList<>();
    if (allowText != null && !allowText.isBlank()) {
      for (String entry : allowText.split(",", -1)) {
        allow.add(entry.trim());
      }
      AuthorizationRules.checkAllow(
          p, "metadata.annotations[" + AuthorizationRules.ALLOW_ANNOTATION + "]", allow);
    }
    String mode = null;
    if (modeText != null) {
      mode = modeText.trim().toUpperCase(Locale.ROOT);
      if (!mode.equals(Authorization.STRICT) && !mode.equals(Authorization.PERMISSIVE)) {
        p.add(
            "metadata.annotations[" + AuthorizationRules.MODE_ANNOTATION + "]",
            "must be strict or permissive, got '" + modeText + "'",
            "strict (the default) accepts mTLS from mesh identities only; permissive accepts"
                + " plaintext too, for migrations");
      }
    }
    return new Authorization(allow, mode);
  }

  static ObjectMeta metadata(Problems p, JsonNode m) {
    fields(p, "metadata", m, META);
    return new ObjectMeta(
        m.path("name").asText(null),
        m.path("namespace").asText(null),
        null,
        null,
        null,
        null,
        stringMap(p, "metadata.labels", m.path("labels")),
        stringMap(p, "metadata.annotations", m.path("annotations")));
  }

  private static Map<String, String> env(
      Problems p, String path, JsonNode env, Map<String, EnvSource> valueFrom) {
    Map<String, String> out = new LinkedHashMap<>();
    if (env.isMissingNode() || env.isNull()) {
      return out;
    }
    if (!env.isArray()) {
      p.add(path, "must be a list of {name, value}", null);
      return out;
    }
    for (int i = 0; i < env.size(); i++) {
      JsonNode e = env.get(i);
      fields(p, path + "[" + i + "]", e, ENV);
      String name = text(p, path + "[" + i + "].name", e.path("name"));
      if (name != null && e.has("valueFrom")) {
        if (e.has("value")) {
          p.add(path + "[" + i + "]", "has both value and valueFrom", "keep one of the two");
        }
        EnvSource src = KnativeEnv.valueFrom(p, path + "[" + i + "].valueFrom", e.get("valueFrom"));
        if (src != null) {
          valueFrom.put(name, src);
        }
      } else if (name != null) {
        out.put(name, e.path("value").asText(""));
      }
    }
    return out;
  }

  private static Integer port(Problems p, String path, JsonNode ports) {
    if (ports.isMissingNode() || ports.isNull()) {
      return null;
    }
    if (!ports.isArray() || ports.size() > 1) {
      p.add(path, "must list at most one port", "Knative serves one port per container");
      return null;
    }
    if (ports.isEmpty()) {
      return null;
    }
    fields(p, path + "[0]", ports.get(0), PORT);
    return integer(p, path + "[0].containerPort", ports.get(0).path("containerPort"));
  }

  /** Knative's rule: a port is named {@code h2c} (HTTP/2 cleartext) or {@code http1}, or not. */
  private static String portName(Problems p, String path, JsonNode name) {
    if (name.isMissingNode() || name.isNull()) {
      return null;
    }
    String n = name.asText();
    if (!n.equals("h2c") && !n.equals("http1")) {
      p.add(
          path,
          "is '" + n + "'; a port's name selects its protocol and must be h2c or http1",
          "name it h2c for an HTTP/2 cleartext (gRPC) workload, http1 or nothing for HTTP/1.1");
      return null;
    }
    return n;
  }

  private static Resources resources(Problems p, String path, JsonNode r) {
    if (r.isMissingNode() || r.isNull()) {
      return null;
    }
    fields(p, path, r, RESOURCES);
    // Skiff enforces limits; requests only guide placement, so a limit wins over a request.
    JsonNode lim = r.path("limits");
    JsonNode req = r.path("requests");
    String mem = lim.path("memory").asText(req.path("memory").asText(null));
    String cpu = lim.path("cpu").asText(req.path("cpu").asText(null));
    return mem == null && cpu == null ? null : new Resources(mem, cpu);
  }

  private static List<TrafficTarget> traffic(Problems p, JsonNode traffic) {
    List<TrafficTarget> out = new ArrayList<>();
    if (traffic.isMissingNode() || traffic.isNull()) {
      return out;
    }
    if (!(traffic instanceof ArrayNode)) {
      p.add("spec.traffic", "must be a list", null);
      return out;
    }
    for (int i = 0; i < traffic.size(); i++) {
      String at = "spec.traffic[" + i + "]";
      JsonNode t = traffic.get(i);
      fields(p, at, t, Set.of("revisionName", "latestRevision", "percent", "tag"));
      Boolean latest = null;
      if (t.has("latestRevision")) {
        if (!t.get("latestRevision").isBoolean()) {
          p.add(at + ".latestRevision", "must be true or false", null);
        } else {
          latest = t.get("latestRevision").asBoolean();
        }
      }
      out.add(
          new TrafficTarget(
              t.has("revisionName") ? text(p, at + ".revisionName", t.get("revisionName")) : null,
              latest,
              integer(p, at + ".percent", t.path("percent")),
              t.has("tag") ? text(p, at + ".tag", t.get("tag")) : null));
    }
    return out;
  }

  static void fields(Problems p, String path, JsonNode node, Set<String> allowed) {
    if (node.isMissingNode() || node.isNull()) {
      return;
    }
    if (!node.isObject()) {
      p.add(path.isEmpty() ? "(document)" : path, "must be an object", null);
      return;
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!allowed.contains(f)) {
        p.add(
            (path.isEmpty() ? "" : path + ".") + f,
            "is not supported by Skiff",
            "supported fields here: " + new java.util.TreeSet<>(allowed));
      }
    }
  }

  static String text(Problems p, String path, JsonNode n) {
    if (n.isMissingNode() || n.isNull()) {
      p.add(path, "is required", null);
      return null;
    }
    if (!n.isTextual()) {
      p.add(path, "must be a string", null);
      return null;
    }
    return n.asText();
  }

  static Integer integer(Problems p, String path, JsonNode n) {
    if (n.isMissingNode() || n.isNull()) {
      return null;
    }
    if (!n.isIntegralNumber() || !n.canConvertToInt()) {
      p.add(path, "must be an integer, got " + n, null);
      return null;
    }
    return n.asInt();
  }

  static Map<String, String> stringMap(Problems p, String path, JsonNode n) {
    Map<String, String> out = new LinkedHashMap<>();
    if (n.isMissingNode() || n.isNull()) {
      return out;
    }
    if (!n.isObject()) {
      p.add(path, "must be a map of strings", null);
      return out;
    }
    n.properties()
        .forEach(
            e -> {
              if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                p.add(
                    path + "[" + e.getKey() + "]", "must be a string", "quote numbers, e.g. \"3\"");
              } else {
                out.put(e.getKey(), e.getValue().asText());
              }
            });
    return out;
  }
}
