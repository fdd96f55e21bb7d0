package dev.skiff.node.spi;

import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.node.stats.RequestTracker;

/**
 * What a backend needs to start one instance of a revision.
 *
 * @param id unique per instance on this node, e.g. {@code default.hello-00001.1}
 * @param revision the revision, frozen
 * @param logs where the instance's stdout/stderr lines go
 * @param requests where the instance's front ({@link InstanceFront}) counts its requests
 *     (enter/leave), once per request, for the autoscaler's stats; backends do not count
 * @param progress where the backend tells how the start is going (its image's pull)
 */
public record InstanceSpec(
    String id, Revision revision, LogSink logs, RequestTracker requests, StartProgress progress) {

  public InstanceSpec {
    progress = progress == null ? StartProgress.NONE : progress;
  }

  /** A spec whose start progress nobody hears. */
  public InstanceSpec(String id, Revision revision, LogSink logs, RequestTracker requests) {
    this(id, revision, logs, requests, StartProgress.NONE);
  }

  /** A spec whose requests are counted by a tracker nobody reads (tests, tools). */
  public InstanceSpec(String id, Revision revision, LogSink logs) {
    this(id, revision, logs, new RequestTracker());
  }

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
