package dev.skiff.cli.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.skiff.api.manifest.Json;

/**
 * Reads the control plane's answers into api records. Lenient about unknown fields, unlike
 * manifests: a newer control plane may add status fields, and the CLI still prints them as they
 * came (raw JSON) while using the fields it knows.
 */
final class Decoder {
  private Decoder() {}

  /** The body as a tree, or null when it is empty or not JSON. */
  static JsonNode tree(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      return Json.mapper().readTree(body);
    } catch (JsonProcessingException e) {
      return null;
    }
  }

  static <T> T read(JsonNode json, Class<T> type) {
    ObjectReader reader =
        Json.mapper().readerFor(type).without(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    try {
      return reader.readValue(json);
    } catch (java.io.IOException e) {
      throw new CliException(
          "cannot read the control plane's " + type.getSimpleName() + ": " + e.getMessage(),
          "the CLI and the control plane may be of different versions");
    }
  }
}
