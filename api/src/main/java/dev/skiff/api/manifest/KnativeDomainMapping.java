package dev.skiff.api.manifest;

import static dev.skiff.api.manifest.KnativeService.fields;
import static dev.skiff.api.manifest.KnativeService.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.model.DomainMapping;
import dev.skiff.api.model.DomainMappingSpec;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.validation.Problems;
import java.util.Set;

/**
 * Maps a Knative {@code serving.knative.dev/v1beta1} DomainMapping whose ref is a service onto a
 * Skiff DomainMapping. Knative's {@code spec.tls.secretName} (a certificate from a Secret) has no
 * Skiff meaning and is rejected; without it, the mapping asks for a certificate by ACME, as
 * Knative's auto-TLS does.
 */
final class KnativeDomainMapping {
  static final String API_VERSION = "serving.knative.dev/v1beta1";

  private static final Set<String> TOP = Set.of("apiVersion", "kind", "metadata", "spec", "status");
  private static final Set<String> SPEC = Set.of("ref", "tls");
  private static final Set<String> REF = Set.of("apiVersion", "kind", "name", "namespace");

  private KnativeDomainMapping() {}

  static DomainMapping toDomainMapping(ObjectNode doc) {
    Problems p = new Problems();
    fields(p, "", doc, TOP);
    ObjectMeta meta = KnativeService.metadata(p, doc.path("metadata"));
    JsonNode spec = doc.path("spec");
    fields(p, "spec", spec, SPEC);
    String service = null;
    JsonNode ref = spec.path("ref");
    if (ref.isMissingNode()) {
      p.add("spec.ref", "is required", "name the service: ref: {kind: Service, name: X}");
    } else {
      fields(p, "spec.ref", ref, REF);
      String kind = text(p, "spec.ref.kind", ref.path("kind"));
      if (kind != null && !kind.equals("Service")) {
        p.add("spec.ref.kind", "must be Service, got '" + kind + "'", "a domain maps to a service");
      }
      String refNs = ref.path("namespace").asText(null);
      if (refNs != null && !refNs.equals(meta.namespaceOrDefault())) {
        p.add(
            "spec.ref.namespace",
            "names another namespace than the mapping's",
            "put the DomainMapping in the service's namespace");
      }
      service = text(p, "spec.ref.name", ref.path("name"));
    }
    if (spec.has("tls")) {
      p.add(
          "spec.tls",
          "is not supported by Skiff (certificates do not come from Secrets)",
          "leave it out for a certificate by ACME, or upload one with skiff domain map --cert"
              + " FILE --key FILE");
    }
    p.throwIfAny();
    return DomainMapping.of(
        meta, new DomainMappingSpec(service, null, DomainMappingSpec.TLS_AUTO, null, null));
  }
}
