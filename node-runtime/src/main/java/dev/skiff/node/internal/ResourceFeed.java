package dev.skiff.node.internal;

import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import dev.skiff.api.watch.ResourceEvent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Follows the resource feed: keeps the services and revisions this node knows and which revisions
 * are active, and tells its {@link Listener} what changed. Confined to the agent's context.
 *
 * <p>A revision is active while it is routed (see {@link DesiredRevisions}) and, once it leaves the
 * route, while it is <em>retiring</em>: it keeps its instances and its autoscaler until that takes
 * it to zero ({@link #retired}), so requests already on their way to it (queued at the activator,
 * in its sidecar) are answered, as in Knative, where a revision out of the route keeps its pods
 * until its autoscaler removes them. A request that reaches a revision out of the route at zero
 * wakes it ({@link #wake}). Only deletion stops a revision's instances at once.
 */
public final class ResourceFeed {

  /** What the agent does about the feed's changes. Called on the agent's context. */
  public interface Listener {
    /** The revision became active: routed by traffic, or the newest of its service. */
    void activated(RevisionInstances r);

    /**
     * The revision left the route but still runs or wants instances: its scaler keeps deciding it,
     * towards zero.
     */
    void retiring(RevisionInstances r);

    /** The revision is no longer active: it gets no instances. {@code r} is null once deleted. */
    void deactivated(String namespace, String revision, RevisionInstances r);

    /** The revision was deleted; it is already out of {@link #revisions()}. */
    void deleted(RevisionInstances r);

    /**
     * The service was written without a change of status: deployed again, possibly with an
     * identical template. Its revisions that gave up starting try again.
     */
    void redeployed(Collection<RevisionInstances> revisionsOfService);
  }

  private final Listener listener;
  private final RevisionMeters meters;
  private final Map<String, Service> services = new HashMap<>();
  private final Map<String, RevisionInstances> revisions = new HashMap<>();
  private final Set<String> active = new HashSet<>();
  private final DesiredRevisions desired = new DesiredRevisions();

  /** The active revisions that left the route; a subset of {@link #active}. */
  private final Set<String> retiring = new HashSet<>();

  private final RevisionsWithInstances withInstances = new RevisionsWithInstances();

  public ResourceFeed(Listener listener, RevisionMeters meters) {
    this.listener = listener;
    this.meters = meters;
  }

  /** The revisions this node knows that have instances (starting or ready). */
  public Collection<RevisionInstances> withInstances() {
    return withInstances.revisions();
  }

  /** Every revision this node knows, active or not. */
  public Collection<RevisionInstances> revisions() {
    return revisions.values();
  }

  /** The revision's book, if it is known and active (routed or retiring); null otherwise. */
  public RevisionInstances active(String namespace, String revision) {
    String key = namespace + "/" + revision;
    return active.contains(key) ? revisions.get(key) : null;
  }

  /**
   * The revision's scaler took it to zero: if it is retiring, it is no longer active (the listener
   * hears {@code deactivated}); a routed revision stays active at zero.
   */
  public void retired(RevisionInstances r) {
    String key = r.namespace() + "/" + r.name();
    if (r.desired() == 0 && retiring.remove(key)) {
      active.remove(key);
      listener.deactivated(r.namespace(), r.name(), r);
    }
  }

  /**
   * A request arrived for a known revision that is not active (it left the route and was taken to
   * zero): it is active again, retiring, so its scaler, which asked and so already knows, can start
   * an instance for the request. The listener hears nothing.
   *
   * @return the revision's book if it was woken; null if unknown, deleted or already active
   */
  public RevisionInstances wake(String namespace, String revision) {
    String key = namespace + "/" + revision;
    RevisionInstances r = revisions.get(key);
    if (r == null || r.isDeleted() || active.contains(key)) {
      return null;
    }
    active.add(key);
    retiring.add(key);
    return r;
  }

  /** Applies one change of the feed. */
  public void apply(ResourceEvent e) {
    switch (e.kind()) {
      case Service.KIND -> refreshActive(service(e));
      case Revision.KIND -> refreshActive(Set.of(revision(e)));
      default -> {
        // not the agent's
      }
    }
  }

  /** Returns the keys of the revisions the service routed before or routes now. */
  private Set<String> service(ResourceEvent e) {
    if (e.type() == ResourceEvent.Type.DELETE) {
      services.remove(e.key());
      return desired.update(e.key(), null);
    }
    Service next = (Service) e.resource();
    Service before = services.put(e.key(), next);
    // The control plane writes a service's status only when it changes, so a write that keeps the
    // status is the operator's: a deploy, with the same template or not.
    if (before != null && Objects.equals(before.status(), next.status())) {
      String ns = next.metadata().namespaceOrDefault();
      String name = next.metadata().name();
      listener.redeployed(
          revisions.values().stream()
              .filter(r -> r.namespace().equals(ns) && r.service().equals(name))
              .toList());
    }
    return desired.update(e.key(), next);
  }

  /** Returns the revision's key. */
  private String revision(ResourceEvent e) {
    Revision r = (Revision) e.resource();
    String key = r.metadata().namespaceOrDefault() + "/" + r.metadata().name();
    if (e.type() == ResourceEvent.Type.DELETE) {
      RevisionInstances gone = revisions.remove(key);
      if (gone != null) {
        gone.deleted();
        meters.unregister(gone);
        listener.deleted(gone);
      }
    } else {
      revisions
          .computeIfAbsent(key, k -> meters.register(new RevisionInstances(r, withInstances)))
          .revision(r);
    }
    return key;
  }

  /**
   * Brings the active set up to date for the revisions an event touched. Only these can have
   * changed: a revision is routed when a known service routes it and the agent knows the revision,
   * and after each refresh every routed revision is active and not retiring, and every other active
   * one is retiring ({@link #wake} keeps that too), so an untouched revision has nothing to update.
   */
  private void refreshActive(Set<String> touched) {
    List<String> unrouted = new ArrayList<>();
    for (String key : touched) {
      if (desired.contains(key) && revisions.containsKey(key)) {
        // Back in the route while retiring: tracked again with its own settings (min-scale).
        boolean added = active.add(key);
        boolean back = retiring.remove(key);
        if (added || back) {
          listener.activated(revisions.get(key));
        }
      } else if (active.contains(key)) {
        unrouted.add(key);
      }
    }
    for (String key : unrouted) {
      RevisionInstances r = revisions.get(key);
      if (r != null && retiring.contains(key)) {
        continue; // leaves only through retired(), at zero by its scaler's decision
      }
      if (r != null && (r.desired() > 0 || !r.instances().isEmpty())) {
        retiring.add(key);
        listener.retiring(r);
        continue;
      }
      // Deleted, or already at zero: nothing is on its way to it (a late request wakes it).
      active.remove(key);
      retiring.remove(key);
      String[] p = key.split("/", 2);
      listener.deactivated(p[0], p[1], r);
    }
  }
}
