package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/** An immutable snapshot of a service's template, named {@code {service}-{00001..}}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec", "status"})
public record Revision(
    String apiVersion, String kind, ObjectMeta metadata, RevisionSpec spec, RevisionStatus status)
    implements Resource {

  public static final String KIND = "Revision";

  public Revision {
    apiVersion = apiVersion == null ? Service.API_VERSION : apiVersion;
    kind = kind == null ? KIND : kind;
  }

  public static Revision of(ObjectMeta metadata, RevisionSpec spec) {
    return new Revision(Service.API_VERSION, KIND, metadata, spec, null);
  }

  /** The revision name for the n-th revision of a service: {@code hello-00001}. */
  public static String nameFor(String service, int number) {
    return String.format("%s-%05d", service, number);
  }

  @Override
  public Revision withMetadata(ObjectMeta newMetadata) {
    return new Revision(apiVersion, kind, newMetadata, spec, status);
  }

  public Revision withStatus(RevisionStatus newStatus) {
    return new Revision(apiVersion, kind, metadata, spec, newStatus);
  }
}
