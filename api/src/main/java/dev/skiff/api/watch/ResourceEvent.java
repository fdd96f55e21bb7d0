package dev.skiff.api.watch;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.DomainMapping;
import dev.skiff.api.model.Node;
import dev.skiff.api.model.Resource;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.Trigger;
import dev.skiff.api.validation.SkiffApiException;
import java.util.Objects;

/**
 * One change to one resource. {@code object} is the resource after a PUT and the last state before
 * a DELETE.
 *
 * <p>A value class rather than a record only so that {@link #resource()} binds the object once: the
 * change feed hands one event to every component of the process (gateway, node agent, mesh,
 * eventing...), and each keeping a record of its own made as many copies of every service and
 * revision (docs/benchmarks.md, density). Equality is that of the five fields, as for a record.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class ResourceEvent {

  public enum Type {
    PUT,
    DELETE
  }

  private final Type type;
  private final String kind;
  private final String key;
  private final long revision;
  private final JsonNode object;

  /** The bound object, once asked for; immutable, so a second binding in a race is harmless. */
  private volatile Resource bound;

  /**
   * @param type {@code PUT} or {@code DELETE}
   * @param kind the resource kind, e.g. {@code Service}
   * @param key the store key, e.g. {@code /skiff/services/default/hello}
   * @param revision the store revision of this change; watching from it resumes after it
   * @param object the resource as JSON
   */
  @JsonCreator
  public ResourceEvent(
      @JsonProperty("type") Type type,
      @JsonProperty("kind") String kind,
      @JsonProperty("key") String key,
      @JsonProperty("revision") long revision,
      @JsonProperty("object") JsonNode object) {
    this.type = type;
    this.kind = kind;
    this.key = key;
    this.revision = revision;
    this.object = object;
  }

  @JsonProperty("type")
  public Type type() {
    return type;
  }

  @JsonProperty("kind")
  public String kind() {
    return kind;
  }

  @JsonProperty("key")
  public String key() {
    return key;
  }

  @JsonProperty("revision")
  public long revision() {
    return revision;
  }

  @JsonProperty("object")
  public JsonNode object() {
    return object;
  }

  /**
   * The object bound to its record type: the same instance on every call, so every component that
   * keeps it shares one copy.
   */
  public Resource resource() {
    Resource r = bound;
    if (r == null) {
      r = bind();
      bound = r;
    }
    return r;
  }

  private Resource bind() {
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

  @Override
  public boolean equals(Object o) {
    return o instanceof ResourceEvent e
        && type == e.type
        && revision == e.revision
        && Objects.equals(kind, e.kind)
        && Objects.equals(key, e.key)
        && Objects.equals(object, e.object);
  }

  @Override
  public int hashCode() {
    return Objects.hash(type, kind, key, revision, object);
  }

  @Override
  public String toString() {
    return "ResourceEvent[type="
        + type
        + ", kind="
        + kind
        + ", key="
        + key
        + ", revision="
        + revision
        + ", object="
        + object
        + "]";
  }
}
