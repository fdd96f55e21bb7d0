package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Map;

/**
 * Identity and bookkeeping shared by every resource.
 *
 * @param name DNS label naming the resource within its namespace
 * @param namespace DNS label; {@code default} when absent
 * @param resourceVersion the store revision of the last write; an update that names an older one is
 *     rejected with 409 (optimistic concurrency). Ignored on create.
 * @param generation bumped by the control plane each time the spec changes
 * @param uid a stable identifier set at creation
 * @param createdAt set by the control plane at creation
 * @param labels free-form labels
 * @param annotations free-form annotations; Knative's {@code autoscaling.knative.dev/*} live here
 *     or on the template
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record ObjectMeta(
    String name,
    String namespace,
    Long resourceVersion,
    Long generation,
    String uid,
    Instant createdAt,
    Map<String, String> labels,
    Map<String, String> annotations) {

  public static final String DEFAULT_NAMESPACE = "default";

  public ObjectMeta {
    namespace = Interned.of(namespace);
    labels = Interned.of(labels);
    annotations = Interned.of(annotations);
  }

  public static ObjectMeta of(String namespace, String name) {
    return new ObjectMeta(name, namespace, null, null, null, null, null, null);
  }

  /** The namespace, or {@code default} when none was given. */
  public String namespaceOrDefault() {
    return namespace == null || namespace.isEmpty() ? DEFAULT_NAMESPACE : namespace;
  }

  public ObjectMeta withNamespace(String ns) {
    return new ObjectMeta(
        name, ns, resourceVersion, generation, uid, createdAt, labels, annotations);
  }

  public ObjectMeta withResourceVersion(Long rv) {
    return new ObjectMeta(name, namespace, rv, generation, uid, createdAt, labels, annotations);
  }

  public ObjectMeta withGeneration(Long gen) {
    return new ObjectMeta(
        name, namespace, resourceVersion, gen, uid, createdAt, labels, annotations);
  }

  public ObjectMeta withCreation(String newUid, Instant at) {
    return new ObjectMeta(
        name, namespace, resourceVersion, generation, newUid, at, labels, annotations);
  }
}
