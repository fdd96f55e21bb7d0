package dev.skiff.cli;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.ScalingSettings;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.controlplane.events.EventLog;
import dev.skiff.controlplane.events.EventNote;
import dev.skiff.node.RestStatusReporter;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Plays the one part of a node the CLI depends on: reporting what became of each new revision, the
 * way the node agent reports it (the real {@link RestStatusReporter}, with the control plane's
 * system token). Running instances needs a node; the CLI only reads what the reports say.
 *
 * <p>A new revision turns Ready with its start scale (initial-scale, at least min-scale, at most
 * max-scale) of instances. A template with env {@code FAIL} turns Ready False; one with env {@code
 * HANG} stays starting; one with env {@code PULLING} stays starting too, with a {@code Pulling}
 * event whose message is that variable's value, as a node pulling the image records it. After
 * {@link #stopStarting()} new revisions get no report at all, as when no node has picked them up
 * yet.
 */
final class StandInNode {
  private final RestStatusReporter reporter;
  private final LaggingStore store;
  private final EventLog events;
  private volatile boolean starting = true;
  private volatile int serviceStatusLag;

  StandInNode(RestStatusReporter reporter, LaggingStore store, EventLog events) {
    this.reporter = reporter;
    this.store = store;
    this.events = events;
  }

  /** From now on, new revisions stay as the control plane made them: not reported by any node. */
  void stopStarting() {
    starting = false;
  }

  /**
   * The next time a revision turns ready, its service's status is recomputed only after the service
   * was read {@code reads} more times (see {@link LaggingStore}).
   */
  void lagServiceStatus(int reads) {
    serviceStatusLag = reads;
  }

  /**
   * Reports {@code ready} of {@code desired} instances of revision default/NAME, as scaling did.
   */
  Future<Revision> instances(Revision r, int ready, int desired) {
    RevisionStatus st = r.status();
    return reporter
        .report(
            "default",
            r.metadata().name(),
            new RevisionStatus(st.imageDigest(), desired, ready, st.conditions()))
        .map(r);
  }

  void onEvent(ResourceEvent ev) {
    if (ev.type() != ResourceEvent.Type.PUT
        || !Revision.KIND.equals(ev.kind())
        || !(ev.resource() instanceof Revision r)
        || !starting
        || !unreported(r)) {
      return;
    }
    RevisionTemplate t = r.spec().template();
    Map<String, String> env = t.env();
    int start = startScale(ScalingSettings.from(t.annotations()));
    Instant now = Instant.now();
    RevisionStatus status;
    if (env.containsKey("FAIL")) {
      status =
          status(
              null,
              null,
              Condition.ready(false, "ExitCode", "the module exited with status 1", now));
    } else if (env.containsKey("PULLING")) {
      String ns = r.metadata().namespaceOrDefault();
      String name = r.metadata().name();
      reporter
          .report(
              ns,
              name,
              status(
                  start,
                  0,
                  new Condition("Ready", "Unknown", "Starting", "waiting for an instance", now)))
          .onSuccess(
              v ->
                  events.update(
                      EventNote.normal(
                          ns,
                          "Revision",
                          name,
                          r.spec().service(),
                          "Pulling",
                          env.get("PULLING"),
                          "node")));
      return;
    } else if (env.containsKey("HANG")) {
      status =
          status(
              start,
              0,
              new Condition("Ready", "Unknown", "Starting", "waiting for an instance", now));
    } else {
      status = status(start, start, Condition.ready(true, null, null, now));
      int lag = serviceStatusLag;
      if (lag > 0) {
        serviceStatusLag = 0;
        // The service's key, as resource events name it (docs: ResourceEvent).
        String ns = r.metadata().namespaceOrDefault();
        store.holdNextWrite("/skiff/services/" + ns + "/" + r.spec().service(), lag);
      }
    }
    reporter.report(r.metadata().namespaceOrDefault(), r.metadata().name(), status);
  }

  /** Still as the control plane made it: Ready Unknown, reason Deploying, no counts. */
  private static boolean unreported(Revision r) {
    RevisionStatus st = r.status();
    return st == null
        || (st.desiredInstances() == null
            && st.conditions().stream().noneMatch(c -> !"Deploying".equals(c.reason())));
  }

  private static RevisionStatus status(Integer desired, Integer ready, Condition c) {
    return new RevisionStatus(null, desired, ready, List.of(c));
  }

  /** The instances a new revision starts with, as the autoscaler decides them. */
  private static int startScale(ScalingSettings s) {
    int n = Math.max(s.initialScale(), s.minScale());
    return s.maxScale() > 0 ? Math.min(n, s.maxScale()) : n;
  }
}
