package dev.skiff.controlplane.internal.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.manifest.Manifests;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Resource;
import dev.skiff.api.validation.ValidationException;
import dev.skiff.controlplane.BadRequestException;
import io.vertx.core.buffer.Buffer;

/**
 * Turns bodies into objects. Everything that fails here is a 400 (cannot parse, wrong type, unknown
 * field, path clash); rule checks come later and are 422s.
 */
final class Parsing {
  private static final String SYNTAX_HINT =
      "fix the fields listed in details and send the body again";

  private Parsing() {}

  /**
   * Parses a manifest of {@code type} and reconciles it with the path: {@code ns} (null for
   * cluster-scoped kinds) and {@code name} (null for POST) fill in what the body leaves out and
   * must agree with what it gives.
   */
  static <T extends Resource> T resource(Buffer body, Class<T> type, String ns, String name) {
    T r;
    try {
      r = Manifests.parseAs(body.getBytes(), type);
    } catch (ValidationException e) {
      throw new BadRequestException(e.getMessage(), SYNTAX_HINT, e.errors());
    }
    ObjectMeta m = r.metadata() == null ? ObjectMeta.of(null, null) : r.metadata();
    boolean hasNs = m.namespace() != null && !m.namespace().isEmpty();
    if (ns == null && hasNs) {
      throw BadRequestException.of(
          "metadata.namespace",
          r.kind() + " is cluster-scoped, got namespace '" + m.namespace() + "'",
          "remove metadata.namespace");
    }
    if (ns != null && hasNs && !ns.equals(m.namespace())) {
      throw BadRequestException.of(
          "metadata.namespace",
          "is '" + m.namespace() + "' but the path names namespace '" + ns + "'",
          "send it to /v1/namespaces/" + m.namespace() + "/... or change metadata.namespace");
    }
    if (name != null && m.name() != null && !name.equals(m.name())) {
      throw BadRequestException.of(
          "metadata.name",
          "is '" + m.name() + "' but the path names '" + name + "'",
          "make the two agree");
    }
    ObjectMeta bound =
        new ObjectMeta(
            m.name() == null ? name : m.name(),
            ns,
            m.resourceVersion(),
            m.generation(),
            m.uid(),
            m.createdAt(),
            m.labels(),
            m.annotations());
    return type.cast(r.withMetadata(bound));
  }

  /** Parses a JSON object of {@code type} strictly: unknown fields and wrong types are 400s. */
  static <T> T json(Buffer body, Class<T> type) {
    try {
      var tree = Json.mapper().readTree(body.getBytes());
      if (tree == null || !tree.isObject()) {
        throw BadRequestException.of("(body)", "must be a JSON object", null);
      }
      return Json.mapper().treeToValue(tree, type);
    } catch (JsonMappingException e) {
      throw BadRequestException.of(
          path(e), firstLine(e.getOriginalMessage()), "check the field's name and type");
    } catch (JsonProcessingException e) {
      String dup = Manifests.duplicateKey(e.getOriginalMessage());
      if (dup != null) {
        throw BadRequestException.of(
            dup, "is given twice", "remove one of the two '" + dup + "' keys; keys must be unique");
      }
      throw BadRequestException.of(
          "(body)", "malformed JSON: " + firstLine(e.getOriginalMessage()), "fix the syntax");
    } catch (java.io.IOException e) {
      throw BadRequestException.of("(body)", "cannot read: " + e.getMessage(), null);
    }
  }

  private static String path(JsonMappingException e) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference ref : e.getPath()) {
      if (ref.getIndex() >= 0) {
        b.append('[').append(ref.getIndex()).append(']');
      } else if (ref.getFieldName() != null) {
        b.append(b.length() > 0 ? "." : "").append(ref.getFieldName());
      }
    }
    return b.length() == 0 ? "(body)" : b.toString();
  }

  private static String firstLine(String s) {
    int cut = s == null ? -1 : s.indexOf('\n');
    return cut > 0 ? s.substring(0, cut) : s;
  }

  /** A query parameter that must be a non-negative integer, or {@code dflt} when absent. */
  static Long longParam(String value, String name, Long dflt) {
    if (value == null) {
      return dflt;
    }
    try {
      long n = Long.parseLong(value);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw BadRequestException.of(name, "must be a non-negative integer, got '" + value + "'", null);
  }
}
