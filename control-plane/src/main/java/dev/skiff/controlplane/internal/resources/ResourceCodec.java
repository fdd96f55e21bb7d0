package dev.skiff.controlplane.internal.resources;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.Resource;
import dev.skiff.controlplane.StoreException;
import dev.skiff.controlplane.spi.Entry;
import java.io.IOException;

/**
 * Resources as stored: JSON without {@code metadata.resourceVersion}, which is the entry's mod
 * revision and is filled in on the way out.
 */
public final class ResourceCodec {
  private ResourceCodec() {}

  public static byte[] encode(Resource r) {
    Resource bare = r.withMetadata(r.metadata().withResourceVersion(null));
    try {
      return Json.mapper().writeValueAsBytes(bare);
    } catch (IOException e) {
      throw new StoreException("cannot encode " + r.kind() + " " + r.metadata().name(), e);
    }
  }

  /** The stored resource with its resourceVersion set. */
  public static <T extends Resource> T decode(Entry e, Class<T> type) {
    try {
      T r = Json.mapper().readValue(e.value(), type);
      return type.cast(r.withMetadata(r.metadata().withResourceVersion(e.modRevision())));
    } catch (IOException ex) {
      throw new StoreException("cannot read " + type.getSimpleName() + " at " + e.key(), ex);
    }
  }

  /** The stored JSON with {@code metadata.resourceVersion} set, for watch events. */
  public static JsonNode tree(Entry e) {
    try {
      JsonNode tree = Json.mapper().readTree(e.value());
      if (tree.get("metadata") instanceof ObjectNode meta) {
        meta.put("resourceVersion", e.modRevision());
      }
      return tree;
    } catch (IOException ex) {
      throw new StoreException("cannot read the JSON at " + e.key(), ex);
    }
  }
}
