package dev.skiff.api.manifest;

import static dev.skiff.api.manifest.KnativeService.fields;
import static dev.skiff.api.manifest.KnativeService.integer;
import static dev.skiff.api.manifest.KnativeService.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.model.DeliverySpec;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Trigger;
import dev.skiff.api.model.TriggerSpec;
import dev.skiff.api.validation.Problems;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps a Knative {@code sources.knative.dev/v1beta1} KafkaSource whose sink is a service onto a
 * Skiff Trigger. Knative's {@code kafka.eventing.knative.dev/delivery.order} annotation picks the
 * ordering; fields Skiff cannot honour (secret references in {@code net}, a dead-letter sink that
 * is not a topic, a sink that is not a service) are rejected by path.
 */
final class KnativeKafkaSource {
  static final String API_VERSION = "sources.knative.dev/v1beta1";
  static final String ORDER_ANNOTATION = "kafka.eventing.knative.dev/delivery.order";

  private static final Set<String> TOP = Set.of("apiVersion", "kind", "metadata", "spec", "status");
  private static final Set<String> SPEC =
      Set.of(
          "bootstrapServers",
          "topics",
          "consumerGroup",
          "initialOffset",
          "sink",
          "delivery",
          "consumers");
  private static final Set<String> SINK = Set.of("ref", "uri");
  private static final Set<String> REF = Set.of("apiVersion", "kind", "name", "namespace");
  private static final Set<String> DELIVERY =
      Set.of("retry", "backoffPolicy", "backoffDelay", "timeout");

  private KnativeKafkaSource() {}

  static Trigger toTrigger(ObjectNode doc) {
    Problems p = new Problems();
    fields(p, "", doc, TOP);
    ObjectMeta meta = KnativeService.metadata(p, doc.path("metadata"));
    JsonNode spec = doc.path("spec");
    fields(p, "spec", spec, SPEC);
    List<String> bootstrap = strings(p, "spec.bootstrapServers", spec.path("bootstrapServers"));
    List<String> topics = strings(p, "spec.topics", spec.path("topics"));
    String group = optionalText(p, "spec.consumerGroup", spec.path("consumerGroup"));
    String initial = optionalText(p, "spec.initialOffset", spec.path("initialOffset"));
    integer(p, "spec.consumers", spec.path("consumers")); // Skiff runs one consumer per trigger
    JsonNode sink = spec.path("sink");
    fields(p, "spec.sink", sink, SINK);
    String service = null;
    JsonNode ref = sink.path("ref");
    if (ref.isMissingNode()) {
      p.add(
          "spec.sink.ref", "is required", "name the Skiff service: ref: {kind: Service, name: X}");
    } else {
      fields(p, "spec.sink.ref", ref, REF);
      String kind = text(p, "spec.sink.ref.kind", ref.path("kind"));
      if (kind != null && !kind.equals("Service")) {
        p.add("spec.sink.ref.kind", "must be Service, got '" + kind + "'", "the sink is a service");
      }
      String refNs = ref.path("namespace").asText(null);
      if (refNs != null && !refNs.equals(meta.namespaceOrDefault())) {
        p.add(
            "spec.sink.ref.namespace",
            "names another namespace than the source's",
            "a trigger delivers within its own namespace");
      }
      service = text(p, "spec.sink.ref.name", ref.path("name"));
    }
    String path = null;
    if (sink.has("uri")) {
      String uri = text(p, "spec.sink.uri", sink.path("uri"));
      if (uri != null && !uri.startsWith("/")) {
        p.add("spec.sink.uri", "must be a path relative to the service", "e.g. /events");
      }
      path = uri;
    }
    JsonNode d = spec.path("delivery");
    DeliverySpec delivery = null;
    if (d.has("deadLetterSink")) {
      p.add(
          "spec.delivery.deadLetterSink",
          "is not supported by Skiff",
          "use a skiff.dev/v1 Trigger with spec.delivery.deadLetterTopic");
    } else if (!d.isMissingNode()) {
      fields(p, "spec.delivery", d, DELIVERY);
      delivery =
          new DeliverySpec(
              integer(p, "spec.delivery.retry", d.path("retry")),
              optionalText(p, "spec.delivery.backoffPolicy", d.path("backoffPolicy")),
              optionalText(p, "spec.delivery.backoffDelay", d.path("backoffDelay")),
              null,
              optionalText(p, "spec.delivery.timeout", d.path("timeout")));
    }
    Map<String, String> annotations = new HashMap<>(meta.annotations());
    String ordering = annotations.remove(ORDER_ANNOTATION);
    p.throwIfAny();
    ObjectMeta m =
        new ObjectMeta(
            meta.name(), meta.namespace(), null, null, null, null, meta.labels(), annotations);
    return Trigger.of(
        m,
        new TriggerSpec(
            null,
            topics,
            String.join(",", bootstrap),
            service,
            path,
            group,
            initial == null ? null : initial.toLowerCase(java.util.Locale.ROOT),
            ordering,
            null,
            null,
            null,
            null,
            delivery));
  }

  /** A list of strings, or one string (Knative accepts both for bootstrapServers and topics). */
  private static List<String> strings(Problems p, String path, JsonNode n) {
    List<String> out = new ArrayList<>();
    if (n.isTextual()) {
      out.add(n.asText());
    } else if (n.isArray() && !n.isEmpty()) {
      for (int i = 0; i < n.size(); i++) {
        String s = text(p, path + "[" + i + "]", n.get(i));
        if (s != null) {
          out.add(s);
        }
      }
    } else {
      p.add(path, "is required as a list of strings", null);
    }
    return out;
  }

  private static String optionalText(Problems p, String path, JsonNode n) {
    return n.isMissingNode() || n.isNull() ? null : text(p, path, n);
  }
}
