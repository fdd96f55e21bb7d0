package dev.skiff.api.watch;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.DomainMapping;
import dev.skiff.api.model.Node;
import dev.skiff.api.model.Resource;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.Trigger;
import dev.skiff.api.validation.SkiffApiException;

/**
 * One change to one resource. {@code object} is the resource after a PUT and the last state before
 * a DELETE.
 *
 * @param type {@code PUT} or {@code DELETE}
 * @param kind the resource kind, e.g. {@code Service}
 * @param key the store key, e.g. {@code /skiff/services/default/hello}
 * @param revision the store revision of this change; watching from it resumes after it
 * @param object the resource as JSON
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResourceEvent(Type type, String kind, String key, long revision, JsonNode object) {

  public enum Type {
    PUT,
    DELETE
  }

  /** The object bound to its record type. */
  public Resource resource() {
    Class<? extends Resource> cls =
        switch (kind) {
          case Service.KIND -> Service.class;
          case Revision.KIND -> Revision.class;
          case Trigger.KIND -> Trigger.class;
          case Node.KIND -> Node.class;
          case DomainMapping.KIND -> DomainMapping.class;
          default -> throw new SkiffApiException("unknown kind " + kind);
        };
    try {
      return Json.mapper().treeToValue(object, cls);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new SkiffApiException("cannot read " + kind + " at " + key + ": " + e.getMessage(), e);
    }
  }
}
