package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** A function users deploy: a template for revisions and a traffic split between them. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec", "status"})
public record Service(
    String apiVersion, String kind, ObjectMeta metadata, ServiceSpec spec, ServiceStatus status)
    implements Resource {

  public static final String API_VERSION = "skiff.dev/v1";
  public static final String KIND = "Service";

  public Service {
    apiVersion = apiVersion == null ? API_VERSION : apiVersion;
    kind = kind == null ? KIND : kind;
  }

  public static Service of(ObjectMeta metadata, ServiceSpec spec) {
    return new Service(API_VERSION, KIND, metadata, spec, null);
  }

  @Override
  public Service withMetadata(ObjectMeta newMetadata) {
    return new Service(apiVersion, kind, newMetadata, spec, status);
  }

  public Service withSpec(ServiceSpec newSpec) {
    return new Service(apiVersion, kind, metadata, newSpec, status);
  }

  public Service withStatus(ServiceStatus newStatus) {
    return new Service(apiVersion, kind, metadata, spec, newStatus);
  }
}
