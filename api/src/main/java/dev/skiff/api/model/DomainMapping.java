package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * A custom host name routed to a service (its whole traffic split) or to one of its tags, as
 * Knative's {@code DomainMapping}. The name is the domain; the namespace is the service's. A domain
 * is claimed by one mapping at a time.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec", "status"})
public record DomainMapping(
    String apiVersion,
    String kind,
    ObjectMeta metadata,
    DomainMappingSpec spec,
    DomainMappingStatus status)
    implements Resource {

  public static final String KIND = "DomainMapping";

  public DomainMapping {
    apiVersion = apiVersion == null ? Service.API_VERSION : apiVersion;
    kind = kind == null ? KIND : kind;
  }

  public static DomainMapping of(ObjectMeta metadata, DomainMappingSpec spec) {
    return new DomainMapping(Service.API_VERSION, KIND, metadata, spec, null);
  }

  /** The domain: the mapping's name. */
  public String domain() {
    return metadata == null ? null : metadata.name();
  }

  @Override
  public DomainMapping withMetadata(ObjectMeta newMetadata) {
    return new DomainMapping(apiVersion, kind, newMetadata, spec, status);
  }

  public DomainMapping withStatus(DomainMappingStatus newStatus) {
    return new DomainMapping(apiVersion, kind, metadata, spec, newStatus);
  }
}
