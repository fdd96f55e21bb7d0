package dev.skiff.node.spi;

import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionTemplate;

/**
 * What a backend needs to start one instance of a revision.
 *
 * @param id unique per instance on this node, e.g. {@code default.hello-00001.1}
 * @param revision the revision, frozen
 * @param logs where the instance's stdout/stderr lines go
 */
public record InstanceSpec(String id, Revision revision, LogSink logs) {

  public String namespace() {
    return revision.metadata().namespaceOrDefault();
  }

  public String revisionName() {
    return revision.metadata().name();
  }

  public String serviceName() {
    return revision.spec().service();
  }

  public RevisionTemplate template() {
    return revision.spec().template();
  }
}
