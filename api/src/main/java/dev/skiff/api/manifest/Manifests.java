package dev.skiff.api.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.model.ConfigMap;
import dev.skiff.api.model.DomainMapping;
import dev.skiff.api.model.Node;
import dev.skiff.api.model.Resource;
import dev.skiff.api.model.Secret;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.Trigger;
import dev.skiff.api.validation.ValidationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns manifest text into resources: Skiff's own ({@code apiVersion: skiff.dev/v1}) and Knative's
 * {@code serving.knative.dev/v1} Service and {@code sources.knative.dev/v1beta1} KafkaSource. JSON
 * is YAML, so one reader takes both. Every failure is a {@link ValidationException} naming the
 * field.
 */
public final class Manifests {
  private Manifests() {}

  /** Parses a single-document manifest of any supported kind. */
  public static Resource parse(String text) {
    List<Resource> all = parseAll(text);
    if (all.size() != 1) {
      throw ValidationException.of(
          "(document)", "expected one manifest, got " + all.size(), "split the file or use apply");
    }
    return all.get(0);
  }

  /** Parses every document of a (possibly multi-document) YAML or JSON text. */
  public static List<Resource> parseAll(String text) {
    List<Resource> out = new ArrayList<>();
    try (MappingIterator<JsonNode> it = Json.yaml().readerFor(JsonNode.class).readValues(text)) {
      while (it.hasNextValue()) {
        JsonNode doc = it.nextValue();
        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
          out.add(fromTree(doc));
        }
      }
    } catch (JsonProcessingException e) {
      throw syntax(e);
    } catch (IOException e) {
      throw ValidationException.of("(document)", "cannot read: " + e.getMessage(), null);
    }
    if (out.isEmpty()) {
      throw ValidationException.of("(document)", "is empty", "give a Service, Trigger or Node");
    }
    return out;
  }

  /** Kubernetes' core API group, for Secret and ConfigMap. */
  public static final String KUBERNETES_V1 = "v1";

  /** Parses a JSON body that must be a resource of the given type (REST API bodies). */
  public static <T extends Resource> T parseAs(byte[] json, Class<T> type) {
    JsonNode tree;
    try {
      tree = Json.mapper().readTree(new String(json, StandardCharsets.UTF_8));
    } catch (JsonProcessingException e) {
      throw syntax(e);
    }
    if (tree == null || !tree.isObject()) {
      throw ValidationException.of("(body)", "must be a JSON object", null);
    }
    if (!tree.has("kind")) {
      // The path already says what it is (PUT .../services/x); the body need not repeat it.
      ((com.fasterxml.jackson.databind.node.ObjectNode) tree).put("kind", kindOf(type));
    }
    Resource r = fromTree(tree);
    if (!type.isInstance(r)) {
      throw ValidationException.of(
          "kind", "expected " + type.getSimpleName() + ", got " + r.kind(), null);
    }
    return type.cast(r);
  }

  private static String kindOf(Class<? extends Resource> type) {
    return type.getSimpleName();
  }

  /** Binds a manifest tree to its resource, by apiVersion and kind. */
  public static Resource fromTree(JsonNode doc) {
    if (!doc.isObject()) {
      throw ValidationException.of("(document)", "must be an object", null);
    }
    String apiVersion = doc.path("apiVersion").asText(Service.API_VERSION);
    String kind = doc.path("kind").asText("");
    if (KnativeService.API_VERSION.equals(apiVersion)) {
      if (!"Service".equals(kind)) {
        throw ValidationException.of(
            "kind", "only Knative Service is accepted, got '" + kind + "'", null);
      }
      return KnativeService.toService((ObjectNode) doc);
    }
    if (KnativeKafkaSource.API_VERSION.equals(apiVersion)) {
      if (!"KafkaSource".equals(kind)) {
        throw ValidationException.of(
            "kind", "only Knative KafkaSource is accepted, got '" + kind + "'", null);
      }
      return KnativeKafkaSource.toTrigger((ObjectNode) doc);
    }
    if (KnativeDomainMapping.API_VERSION.equals(apiVersion)) {
      if (!DomainMapping.KIND.equals(kind)) {
        throw ValidationException.of(
            "kind", "only Knative DomainMapping is accepted, got '" + kind + "'", null);
      }
      return KnativeDomainMapping.toDomainMapping((ObjectNode) doc);
    }
    if (KUBERNETES_V1.equals(apiVersion)) {
      // Kubernetes' core Secret and ConfigMap, as Knative users keep them next to their services.
      Class<? extends Resource> type =
          switch (kind) {
            case "Secret" -> Secret.class;
            case "ConfigMap" -> ConfigMap.class;
            default ->
                throw ValidationException.of(
                    "kind",
                    "only Secret and ConfigMap of apiVersion v1 are accepted, got '" + kind + "'",
                    null);
          };
      ((ObjectNode) doc).put("apiVersion", Service.API_VERSION);
      return bind(Json.mapper(), doc, type);
    }
    if (!Service.API_VERSION.equals(apiVersion)) {
      throw ValidationException.of(
          "apiVersion",
          "unsupported '" + apiVersion + "'",
          "use "
              + Service.API_VERSION
              + ", "
              + KnativeService.API_VERSION
              + ", "
              + KnativeKafkaSource.API_VERSION
              + ", "
              + KnativeDomainMapping.API_VERSION
              + " (or v1 for a Secret or ConfigMap)");
    }
    Class<? extends Resource> type =
        switch (kind) {
          case "Service" -> Service.class;
          case "Trigger" -> Trigger.class;
          case "Node" -> Node.class;
          case "Secret" -> Secret.class;
          case "ConfigMap" -> ConfigMap.class;
          case DomainMapping.KIND -> DomainMapping.class;
          default ->
              throw ValidationException.of(
                  "kind",
                  "'" + kind + "' is not a kind",
                  "use Service, Trigger, Node, Secret, ConfigMap or DomainMapping");
        };
    return bind(Json.mapper(), doc, type);
  }

  static <T> T bind(ObjectMapper mapper, JsonNode doc, Class<T> type) {
    try {
      return mapper.treeToValue(doc, type);
    } catch (JsonProcessingException e) {
      throw syntax(e);
    } catch (IllegalArgumentException e) {
      throw ValidationException.of("(document)", e.getMessage(), null);
    }
  }

  private static ValidationException syntax(JsonProcessingException e) {
    if (e instanceof JsonMappingException de) {
      String path = path(de);
      if (e instanceof ValueInstantiationException
          && e.getCause() instanceof NullPointerException) {
        // The records copy their lists with List.copyOf, which refuses a null element.
        return ValidationException.of(
            path,
            "holds a list with a null entry",
            "remove the empty entry (in YAML a bare '-' or a 'null' list item)");
      }
      if (e instanceof UnrecognizedPropertyException u) {
        return ValidationException.of(
            path,
            "unknown field",
            "known fields here: " + u.getKnownPropertyIds() + "; check the spelling");
      }
      return ValidationException.of(path, describe(e), "check the value's type");
    }
    String dup = duplicateKey(e.getOriginalMessage());
    if (dup != null) {
      return ValidationException.of(
          dup, "is given twice", "remove one of the two '" + dup + "' keys; keys must be unique");
    }
    var loc = e.getLocation();
    String where =
        loc == null
            ? "(document)"
            : "(line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
    return ValidationException.of(where, "malformed: " + e.getOriginalMessage(), "fix the syntax");
  }

  private static String describe(JsonProcessingException e) {
    String m = e.getOriginalMessage();
    int cut = m.indexOf('\n');
    m = cut > 0 ? m.substring(0, cut) : m;
    if (m.startsWith("Cannot deserialize value of type")) {
      return "wrong type: " + m.replace("Cannot deserialize value of type ", "expected ");
    }
    return m;
  }

  static String path(JsonMappingException e) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getIndex() >= 0) {
        b.append('[').append(ref.getIndex()).append(']');
      } else if (ref.getFieldName() != null) {
        if (b.length() > 0) {
          b.append('.');
        }
        b.append(ref.getFieldName());
      }
    }
    return b.length() == 0 ? "(document)" : b.toString();
  }

  /** The key named by Jackson's duplicate-field message ({@code Duplicate field 'x'}), or null. */
  public static String duplicateKey(String message) {
    String prefix = "Duplicate field '";
    if (message == null || !message.startsWith(prefix)) {
      return null;
    }
    int end = message.indexOf('\'', prefix.length());
    return end < 0 ? null : message.substring(prefix.length(), end);
  }
}
