package dev.skiff.api.validation;

import dev.skiff.api.model.DeliverySpec;
import dev.skiff.api.model.DomainMapping;
import dev.skiff.api.model.DomainMappingSpec;
import dev.skiff.api.model.Node;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Resources;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.ScalingSettings;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.api.model.Trigger;
import dev.skiff.api.model.TriggerSpec;
import dev.skiff.api.model.WasmModule;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks resources before they reach the store. Reports every problem with its field path; checks
 * that need the store (does a named revision exist?) are the control plane's.
 */
public final class ResourceValidator {
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");
  private static final Pattern IMAGE =
      Pattern.compile(
          "([a-zA-Z0-9.-]+(:[0-9]+)?/)?[a-z0-9]+([._-][a-z0-9]+)*(/[a-z0-9]+([._-][a-z0-9]+)*)*"
              + "(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?");
  private static final Set<String> RESERVED_ENV =
      Set.of("PORT", "K_SERVICE", "K_REVISION", "K_CONFIGURATION");
  public static final int MAX_CONCURRENCY = 1000;
  public static final int MAX_TIMEOUT_SECONDS = 3600;

  private ResourceValidator() {}

  /**
   * Checks a service as any client can: a {@code wasm.directory.hostPath} is checked for shape
   * only, since whether host directories are allowed is the serving node's setting.
   */
  public static void validate(Service s) {
    validate(s, true);
  }

  /**
   * Checks a service for a control plane.
   *
   * @param hostDirectories whether the operator configured a volume root ({@code skiffd
   *     --volume-root}); without one a {@code wasm.directory.hostPath} is refused
   */
  public static void validate(Service s, boolean hostDirectories) {
    Problems p = new Problems();
    metadata(p, s.metadata(), Names.MAX_SERVICE_NAME);
    if (s.spec() == null) {
      p.add("spec", "is required", "give spec.template with image or wasm");
    } else if (s.spec().template() == null) {
      p.add("spec.template", "is required", "give spec.template.image or spec.template.wasm");
    } else {
      template(p, "spec.template", s.spec().template(), hostDirectories);
      if (s.metadata() != null) {
        RevisionNames.check(p, "spec.template.name", s.metadata().name(), s.spec().template());
      }
    }
    if (s.metadata() != null) {
      ScalingSettings.validate(p, "metadata.annotations", s.metadata().annotations());
      dev.skiff.api.model.TrafficPolicy.validate(
          p, "metadata.annotations", s.metadata().annotations());
    }
    if (s.spec() != null) {
      traffic(p, "spec.traffic", s.spec().traffic());
      AuthorizationRules.check(p, "spec.authorization", s.spec().authorization());
      if (s.spec().template() != null) {
        meshAnnotations(p, "spec.template.annotations", s.spec().template().annotations());
      }
    }
    if (s.metadata() != null) {
      meshAnnotations(p, "metadata.annotations", s.metadata().annotations());
    }
    p.throwIfAny();
  }

  /**
   * The Knative form of the authorization ({@link AuthorizationRules#ALLOW_ANNOTATION}) is turned
   * into {@code spec.authorization} when a Knative manifest is read; left on a Skiff service it
   * would look like a setting and do nothing, so it is refused.
   */
  private static void meshAnnotations(Problems p, String path, Map<String, String> annotations) {
    for (String key :
        List.of(AuthorizationRules.ALLOW_ANNOTATION, AuthorizationRules.MODE_ANNOTATION)) {
      if (annotations.containsKey(key)) {
        p.add(
            path + "[" + key + "]",
            "is read only from a Knative Service's metadata (serving.knative.dev/v1)",
            "in a skiff.dev/v1 Service write spec.authorization."
                + (key.equals(AuthorizationRules.ALLOW_ANNOTATION) ? "allow" : "mode")
                + " instead");
      }
    }
  }

  public static void validate(Trigger t) {
    Problems p = new Problems();
    metadata(p, t.metadata(), 63);
    TriggerSpec spec = t.spec();
    if (spec == null) {
      p.add("spec", "is required", "give spec.topic, spec.bootstrapServers and spec.service");
    } else {
      TriggerChecks.spec(p, "spec", spec);
      delivery(p, "spec.delivery", spec.delivery());
      if (spec.delivery() != null && spec.delivery().deadLetterTopic() != null) {
        TriggerChecks.topic(p, "spec.delivery.deadLetterTopic", spec.delivery().deadLetterTopic());
      }
    }
    p.throwIfAny();
  }

  /** The longest HSTS max-age accepted: two years, what browsers' preload lists ask for. */
  public static final long MAX_HSTS_SECONDS = 63_072_000L;

  public static void validate(DomainMapping d) {
    Problems p = new Problems();
    if (d.metadata() == null) {
      p.add("metadata.name", "is required", DomainNames.HINT);
    } else {
      DomainNames.check(p, "metadata.name", d.metadata().name(), false);
      if (d.metadata().namespace() != null && !d.metadata().namespace().isEmpty()) {
        Names.checkLabel(p, "metadata.namespace", d.metadata().namespace(), 63);
      }
    }
    DomainMappingSpec s = d.spec();
    if (s == null) {
      p.add("spec", "is required", "give spec.service, the service that serves the domain");
      p.throwIfAny();
      return;
    }
    Names.checkLabel(p, "spec.service", s.service(), Names.MAX_SERVICE_NAME);
    if (s.tag() != null) {
      Names.checkLabel(p, "spec.tag", s.tag(), 63);
    }
    if (s.tls() != null
        && !List.of(
                DomainMappingSpec.TLS_AUTO, DomainMappingSpec.TLS_FILES, DomainMappingSpec.TLS_NONE)
            .contains(s.tls())) {
      p.add(
          "spec.tls",
          "'" + s.tls() + "' is not a TLS mode",
          "give auto (a certificate from ACME), files (upload one) or none");
    }
    if (s.hstsMaxAgeSeconds() != null
        && (s.hstsMaxAgeSeconds() < 0 || s.hstsMaxAgeSeconds() > MAX_HSTS_SECONDS)) {
      p.add(
          "spec.hstsMaxAgeSeconds",
          "must be 0-" + MAX_HSTS_SECONDS + ", got " + s.hstsMaxAgeSeconds(),
          "e.g. 31536000 (a year); leave it out to send no Strict-Transport-Security");
    }
    p.throwIfAny();
  }

  public static void validate(Node n) {
    Problems p = new Problems();
    if (n.metadata() == null) {
      p.add("metadata.name", "is required", Names.DNS_HINT);
    } else {
      Names.checkLabel(p, "metadata.name", n.metadata().name(), 63);
    }
    if (n.spec() == null || n.spec().address() == null || n.spec().address().isBlank()) {
      p.add(
          "spec.address",
          "is required: the host (or host:port) where the node's instances are reached",
          "e.g. 10.0.0.5 or 127.0.0.1:7071");
    } else {
      for (int i = 0; i < n.spec().runtimes().size(); i++) {
        String r = n.spec().runtimes().get(i);
        if (!"wasm".equals(r) && !"container".equals(r)) {
          p.add("spec.runtimes[" + i + "]", "must be wasm or container, got '" + r + "'", null);
        }
      }
      if (n.spec().capacity() != null) {
        resources(p, "spec.capacity", n.spec().capacity());
      }
    }
    p.throwIfAny();
  }

  private static void metadata(Problems p, ObjectMeta m, int maxName) {
    if (m == null) {
      p.add("metadata.name", "is required", Names.DNS_HINT);
      return;
    }
    Names.checkLabel(p, "metadata.name", m.name(), maxName);
    if (m.namespace() != null && !m.namespace().isEmpty()) {
      Names.checkLabel(p, "metadata.namespace", m.namespace(), 63);
    }
  }

  /** Checks one revision template; exposed so the CLI can pre-check before sending. */
  public static void template(Problems p, String path, RevisionTemplate t) {
    template(p, path, t, true);
  }

  private static void template(
      Problems p, String path, RevisionTemplate t, boolean hostDirectories) {
    boolean hasImage = t.image() != null && !t.image().isEmpty();
    if (hasImage == (t.wasm() != null)) {
      p.add(
          path,
          hasImage ? "has both image and wasm" : "has neither image nor wasm",
          "give exactly one: image (an OCI reference) or wasm (a module)");
    }
    if (hasImage && !IMAGE.matcher(t.image()).matches()) {
      p.add(
          path + ".image",
          "'" + t.image() + "' is not an OCI image reference",
          "e.g. 127.0.0.1:5000/hello:1 or registry/repo@sha256:<64 hex>");
    }
    if (t.wasm() != null) {
      wasm(p, path + ".wasm", t.wasm(), hostDirectories);
    }
    t.env()
        .forEach(
            (k, v) -> {
              if (!ENV_NAME.matcher(k).matches()) {
                p.add(
                    path + ".env." + k,
                    "is not a valid variable name",
                    "use [A-Za-z_][A-Za-z0-9_]*");
              } else if (RESERVED_ENV.contains(k)) {
                p.add(
                    path + ".env." + k,
                    "is set by the platform",
                    "remove it; Skiff sets " + RESERVED_ENV);
              }
              if (v == null) {
                p.add(path + ".env." + k, "must have a value", "use an empty string for none");
              } else if (hasLoneSurrogate(v)) {
                p.add(
                    path + ".env." + k,
                    "contains a lone UTF-16 surrogate (an escape like \\ud800 without its pair),"
                        + " which is not a Unicode character and cannot be stored",
                    "send valid UTF-8 text; escape characters outside the BMP as a surrogate pair");
              }
            });
    EnvReferences.check(p, path, t, RESERVED_ENV);
    ProbeRules.check(p, path, t);
    AllowedHostRules.check(p, path, t);
    range(p, path + ".port", t.port(), 1, 65535, "the port the container listens on, e.g. 8080");
    range(
        p,
        path + ".containerConcurrency",
        t.containerConcurrency(),
        0,
        MAX_CONCURRENCY,
        "0 means unlimited");
    range(p, path + ".timeoutSeconds", t.timeoutSeconds(), 1, MAX_TIMEOUT_SECONDS, "default 300");
    if (t.resources() != null) {
      resources(p, path + ".resources", t.resources());
    }
    ScalingSettings.validate(p, path + ".annotations", t.annotations());
  }

  private static void wasm(Problems p, String path, WasmModule w, boolean hostDirectories) {
    boolean hasDigest = w.digest() != null && !w.digest().isEmpty();
    boolean hasUrl = w.url() != null && !w.url().isEmpty();
    if (hasDigest == hasUrl) {
      p.add(
          path, "needs exactly one of digest or url", "the CLI uploads a file and sets the digest");
    }
    if (hasDigest && !DIGEST.matcher(w.digest()).matches()) {
      p.add(path + ".digest", "'" + w.digest() + "' is not sha256:<64 lower-case hex>", null);
    }
    if (hasUrl && !w.url().matches("(https?|file):.+")) {
      p.add(path + ".url", "must be an http(s) or file URL", "e.g. file:///srv/hello.wasm");
    }
    WasmModule.Directory d = w.directory();
    if (d != null) {
      if (d.hostPath() != null) {
        hostPath(p, path + ".directory.hostPath", d.hostPath(), hostDirectories);
      }
      if (d.guestPath() != null && !d.guestPath().startsWith("/")) {
        p.add(path + ".directory.guestPath", "must be an absolute path", "e.g. /data");
      }
    }
  }

  /**
   * A directory under the operator's volume root: relative, and with no component that could climb
   * out of it. Links inside the root are the node's to refuse at each access.
   */
  private static void hostPath(Problems p, String field, String hostPath, boolean allowed) {
    String fix =
        "a path under the volume root such as shared/data, or omit hostPath for a volume of"
            + " the service's own";
    if (!allowed) {
      p.add(
          field,
          "names a host directory, but this Skiff has no volume root",
          "the operator starts skiffd with --volume-root DIR to allow directories under DIR;"
              + " or omit hostPath for a volume of the service's own");
    } else if (hostPath.startsWith("/")) {
      p.add(field, "must be relative to the operator's volume root, not an absolute path", fix);
    } else if (hostPath.isEmpty()
        || hostPath.indexOf('\0') >= 0
        || hostPath.indexOf('\\') >= 0
        || List.of(hostPath.split("/", -1)).stream()
            .anyMatch(c -> c.isEmpty() || c.equals(".") || c.equals(".."))) {
      p.add(field, "must be a plain relative path without empty, '.' or '..' parts", fix);
    }
  }

  private static void resources(Problems p, String path, Resources r) {
    if (r.memory() != null) {
      try {
        long b = Quantities.bytes(r.memory());
        if (b < (4L << 20)) {
          p.add(path + ".memory", "must be at least 4Mi, got " + r.memory(), null);
        }
      } catch (IllegalArgumentException e) {
        p.add(path + ".memory", e.getMessage(), "use a quantity like 128Mi or 1Gi");
      }
    }
    if (r.cpu() != null) {
      try {
        if (Quantities.millicores(r.cpu()) < 1) {
          p.add(path + ".cpu", "must be at least 1m, got " + r.cpu(), null);
        }
      } catch (IllegalArgumentException e) {
        p.add(path + ".cpu", e.getMessage(), "use a quantity like 500m or 1");
      }
    }
  }

  private static void traffic(Problems p, String path, List<TrafficTarget> traffic) {
    if (traffic.isEmpty()) {
      return;
    }
    int sum = 0;
    Set<String> tags = new HashSet<>();
    for (int i = 0; i < traffic.size(); i++) {
      TrafficTarget t = traffic.get(i);
      String at = path + "[" + i + "]";
      if (t == null) {
        p.add(at, "must not be null", null);
        continue;
      }
      boolean named = t.revisionName() != null && !t.revisionName().isEmpty();
      if (named == t.isLatest()) {
        p.add(at, "needs exactly one of revisionName or latestRevision: true", null);
      }
      if (t.latestRevision() != null && !t.latestRevision() && !named) {
        p.add(at + ".latestRevision", "false without a revisionName names nothing", null);
      }
      if (t.percent() == null) {
        if (t.tag() == null) {
          p.add(at + ".percent", "is required", "0-100; entries with a tag may omit it (0%)");
        }
      } else if (t.percent() < 0 || t.percent() > 100) {
        p.add(at + ".percent", "must be between 0 and 100, got " + t.percent(), null);
      } else {
        sum += t.percent();
      }
      if (t.tag() != null) {
        if (!Names.isDnsLabel(t.tag())) {
          p.add(at + ".tag", "'" + t.tag() + "' is not a DNS label", Names.DNS_HINT);
        } else if (!tags.add(t.tag())) {
          p.add(at + ".tag", "'" + t.tag() + "' is used twice", "tags must be unique");
        }
      }
    }
    if (sum != 100) {
      p.add(path, "percents must sum to 100, got " + sum, "adjust the percent of the entries");
    }
  }

  private static void delivery(Problems p, String path, DeliverySpec d) {
    if (d == null) {
      return;
    }
    range(p, path + ".retry", d.retry(), 0, 100, "attempts after the first");
    if (d.backoffPolicy() != null
        && !d.backoffPolicy().equals("linear")
        && !d.backoffPolicy().equals("exponential")) {
      p.add(path + ".backoffPolicy", "must be linear or exponential", null);
    }
    isoDuration(p, path + ".backoffDelay", d.backoffDelay());
    isoDuration(p, path + ".timeout", d.timeout());
  }

  private static void isoDuration(Problems p, String field, String v) {
    if (v == null) {
      return;
    }
    try {
      if (Duration.parse(v).isNegative()) {
        p.add(field, "must not be negative", null);
      }
    } catch (DateTimeParseException e) {
      p.add(field, "'" + v + "' is not an ISO-8601 duration", "e.g. PT0.2S or PT1M");
    }
  }

  private static void range(Problems p, String field, Integer v, int lo, int hi, String hint) {
    if (v != null && (v < lo || v > hi)) {
      String msg = v < lo ? "must be >= " + lo : "must be <= " + hi;
      p.add(field, msg + ", got " + v, hint);
    }
  }

  private static void required(Problems p, String field, String v, String hint) {
    if (v == null || v.isBlank()) {
      p.add(field, "is required", hint);
    }
  }

  /** Effective annotations of a template: the service's, overridden by the template's. */
  public static Map<String, String> effectiveAnnotations(Service s) {
    var merged = new java.util.HashMap<>(s.metadata().annotations());
    merged.putAll(s.spec().template().annotations());
    return Map.copyOf(merged);
  }

  /** True when {@code s} holds a high surrogate without a low one after it, or the reverse. */
  static boolean hasLoneSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          return true;
        }
      } else if (Character.isLowSurrogate(c)) {
        return true;
      }
    }
    return false;
  }
}
