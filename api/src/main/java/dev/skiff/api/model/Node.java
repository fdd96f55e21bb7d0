package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/** A node agent registered with the control plane. Cluster-scoped: its namespace is empty. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"apiVersion", "kind", "metadata", "spec", "status"})
public record Node(
    String apiVersion, String kind, ObjectMeta metadata, NodeSpec spec, List<Condition> status)
    implements Resource {

  public static final String KIND = "Node";

  public Node {
    apiVersion = apiVersion == null ? Service.API_VERSION : apiVersion;
    kind = kind == null ? KIND : kind;
  }

  public static Node of(ObjectMeta metadata, NodeSpec spec) {
    return new Node(Service.API_VERSION, KIND, metadata, spec, null);
  }

  @Override
  public Node withMetadata(ObjectMeta newMetadata) {
    return new Node(apiVersion, kind, newMetadata, spec, status);
  }

  public Node withStatus(List<Condition> newStatus) {
    return new Node(apiVersion, kind, metadata, spec, newStatus);
  }
}
