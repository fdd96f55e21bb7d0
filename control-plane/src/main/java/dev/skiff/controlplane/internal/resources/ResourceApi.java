package dev.skiff.controlplane.internal.resources;

import dev.skiff.api.model.Node;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Resource;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.api.model.Trigger;
import dev.skiff.api.model.TriggerStatus;
import dev.skiff.api.validation.AdmissionLimits;
import dev.skiff.api.validation.LegacyAnnotations;
import dev.skiff.api.validation.ResourceValidator;
import dev.skiff.api.validation.ValidationException;
import dev.skiff.controlplane.InvalidResourceException;
import dev.skiff.controlplane.Listing;
import dev.skiff.controlplane.NotFoundException;
import dev.skiff.controlplane.spi.Store;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;

/**
 * Every resource operation of the control plane, independent of HTTP: validation (problems become
 * {@link InvalidResourceException}), revisions, status and deletion rules. The REST routes and the
 * in-process API both go through here.
 */
public final class ResourceApi {
  private static final String FIX_HINT =
      "fix the fields listed in details and send the manifest again";

  private final Repository repo;
  private final ServiceWriter services;
  private final ServiceLifecycle lifecycle;
  private final ObjectWriter<Trigger> triggers;
  private final ObjectWriter<Node> nodes;
  private final RevisionRepair repair;
  private final AdmissionLimits limits;
  private final boolean hostDirectories;

  public ResourceApi(Store store, BlobStore blobs, String domain, Clock clock) {
    this(store, blobs, domain, clock, AdmissionLimits.NONE, false);
  }

  /**
   * @param limits the operator's admission ceilings (instances per revision)
   * @param hostDirectories whether Wasm services may name a directory under the node's volume root
   *     ({@code skiffd --volume-root})
   */
  public ResourceApi(
      Store store,
      BlobStore blobs,
      String domain,
      Clock clock,
      AdmissionLimits limits,
      boolean hostDirectories) {
    this.limits = limits;
    this.hostDirectories = hostDirectories;
    this.repo = new Repository(store);
    ServiceStatusResolver statuses = new ServiceStatusResolver(domain);
    TemplateResolver templates = new TemplateResolver(blobs);
    this.services = new ServiceWriter(repo, templates, statuses, clock);
    this.repair = new RevisionRepair(repo, templates, clock);
    this.lifecycle = new ServiceLifecycle(repo, statuses, clock);
    this.triggers = new ObjectWriter<>(repo, Trigger.class, Trigger::spec, clock);
    this.nodes = new ObjectWriter<>(repo, Node.class, Node::spec, clock);
  }

  public Repository repository() {
    return repo;
  }

  /** What happens to services after they are written: status refreshes, deletions. */
  public ServiceLifecycle lifecycle() {
    return lifecycle;
  }

  public Future<Written<Service>> writeService(Service s, boolean createOnly) {
    // Knative's old camelCase annotation spellings are stored under today's names, so limits and
    // every reader see one spelling; the client hears about the rename in warnings.
    LegacyAnnotations.Canonical c = LegacyAnnotations.canonicalize(s);
    return validated(
            () -> {
              ResourceValidator.validate(c.service(), hostDirectories);
              limits.check(c.service());
            })
        .compose(v -> services.write(c.service(), createOnly))
        .map(w -> w.withWarnings(c.warnings()));
  }

  /** Replaces a service's traffic; {@code resourceVersion} (nullable) must match if given. */
  public Future<Service> putTraffic(
      String ns, String name, List<TrafficTarget> traffic, Long resourceVersion) {
    return get(Keys.service(ns, name), Service.class, "service " + ns + "/" + name)
        .compose(
            cur -> {
              ObjectMeta meta =
                  cur.metadata()
                      .withResourceVersion(
                          resourceVersion == null
                              ? cur.metadata().resourceVersion()
                              : resourceVersion);
              return writeService(
                  cur.withMetadata(meta).withSpec(cur.spec().withTraffic(traffic)), false);
            })
        .map(Written::resource);
  }

  /** Makes revisions that a crash kept from being written; run once at start. */
  public Future<Void> repairMissingRevisions() {
    return repair.run();
  }

  public Future<Void> deleteService(String ns, String name) {
    return lifecycle.deleteService(ns, name);
  }

  /**
   * A namespace's revisions (all namespaces when {@code ns} is null), optionally of one service.
   */
  public Future<Listing<Revision>> revisions(String ns, String service) {
    String prefix =
        ns == null
            ? Keys.REVISIONS
            : service == null ? Keys.revisions(ns) : Keys.revisionsOf(ns, service);
    return repo.list(prefix, Revision.class)
        .map(
            l ->
                new Listing<>(
                    l.revision(),
                    l.items().stream()
                        .filter(r -> service == null || service.equals(r.spec().service()))
                        .sorted(
                            Comparator.comparing((Revision r) -> r.metadata().namespace())
                                .thenComparing(r -> r.spec().service())
                                .thenComparingInt(r -> r.spec().number()))
                        .toList()));
  }

  public Future<Revision> setRevisionStatus(String ns, String name, RevisionStatus status) {
    return lifecycle.setRevisionStatus(ns, name, status);
  }

  public Future<Void> deleteRevision(String ns, String name) {
    return lifecycle.deleteRevision(ns, name);
  }

  public Future<Written<Trigger>> writeTrigger(Trigger t, boolean createOnly) {
    String key = Keys.trigger(t.metadata().namespaceOrDefault(), t.metadata().name());
    // Status is the dispatcher's to write (setTriggerStatus); what a client sends is dropped.
    return validated(() -> ResourceValidator.validate(t))
        .compose(v -> triggers.write(key, t.withStatus(null), createOnly));
  }

  /** Writes a trigger's status, as Skiff's eventing dispatcher observed it. */
  public Future<Trigger> setTriggerStatus(String ns, String name, TriggerStatus status) {
    String key = Keys.trigger(ns, name);
    return Retry.onConflict(
        () ->
            get(key, Trigger.class, "trigger " + ns + "/" + name)
                .compose(
                    t ->
                        repo.put(
                            key,
                            t.withStatus(status),
                            t.metadata().resourceVersion(),
                            Trigger.class)));
  }

  public Future<Void> deleteTrigger(String ns, String name) {
    return triggers.delete(Keys.trigger(ns, name), "trigger " + ns + "/" + name);
  }

  public Future<Written<Node>> writeNode(Node n, boolean createOnly) {
    return validated(() -> ResourceValidator.validate(n))
        .compose(v -> nodes.write(Keys.node(n.metadata().name()), n, createOnly));
  }

  public Future<Void> deleteNode(String name) {
    return nodes.delete(Keys.node(name), "node " + name);
  }

  /** The resource under {@code key}, or a {@link NotFoundException} naming {@code what}. */
  public <T extends Resource> Future<T> get(String key, Class<T> type, String what) {
    return repo.get(key, type)
        .compose(
            found ->
                found
                    .map(Future::succeededFuture)
                    .orElseGet(
                        () ->
                            Future.failedFuture(
                                new NotFoundException(what + " does not exist", null))));
  }

  public <T extends Resource> Future<Listing<T>> list(String prefix, Class<T> type) {
    return repo.list(prefix, type);
  }

  private static Future<Void> validated(Runnable validation) {
    try {
      validation.run();
      return Future.succeededFuture();
    } catch (ValidationException e) {
      return Future.failedFuture(
          new InvalidResourceException(e.getMessage(), FIX_HINT, e.errors()));
    }
  }
}
