package dev.skiff.controlplane.internal.resources;

import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Resource;
import dev.skiff.controlplane.ConflictException;
import dev.skiff.controlplane.NotFoundException;
import dev.skiff.controlplane.spi.Store;
import io.vertx.core.Future;
import java.time.Clock;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;

/**
 * Create, update and delete for resources the control plane stores as given (triggers, nodes): it
 * only keeps uid and creation time, bumps the generation when the spec changes, and enforces a
 * given resourceVersion.
 */
public final class ObjectWriter<T extends Resource> {
  private final Repository repo;
  private final Class<T> type;
  private final Function<T, Object> spec;
  private final Clock clock;

  public ObjectWriter(Repository repo, Class<T> type, Function<T, Object> spec, Clock clock) {
    this.repo = repo;
    this.type = type;
    this.spec = spec;
    this.clock = clock;
  }

  /** Writes a validated resource under {@code key}; {@code createOnly} answers 409 if it exists. */
  public Future<Written<T>> write(String key, T incoming, boolean createOnly) {
    return Retry.onConflict(
        () ->
            repo.get(key, type)
                .compose(
                    found -> {
                      ObjectMeta m = incoming.metadata();
                      T cur = found.orElse(null);
                      if (cur != null && createOnly) {
                        return Future.failedFuture(
                            new ConflictException(
                                incoming.kind() + " " + m.name() + " already exists",
                                "update it with PUT instead"));
                      }
                      if (cur == null && m.resourceVersion() != null) {
                        // Based on a version read before someone deleted it: no resurrection.
                        return Future.failedFuture(
                            new NotFoundException(
                                incoming.kind()
                                    + " "
                                    + m.name()
                                    + " does not exist, but the update carries"
                                    + " metadata.resourceVersion "
                                    + m.resourceVersion()
                                    + " (it was deleted after that version was read)",
                                "to create it again, send it without metadata.resourceVersion"));
                      }
                      if (cur != null
                          && m.resourceVersion() != null
                          && !m.resourceVersion().equals(cur.metadata().resourceVersion())) {
                        return Future.failedFuture(Revisions.stale(m.resourceVersion(), cur));
                      }
                      long generation =
                          cur == null
                              ? 1
                              : cur.metadata().generation()
                                  + (Objects.equals(spec.apply(cur), spec.apply(incoming)) ? 0 : 1);
                      ObjectMeta meta =
                          new ObjectMeta(
                              m.name(),
                              m.namespace(),
                              null,
                              generation,
                              cur == null ? UUID.randomUUID().toString() : cur.metadata().uid(),
                              cur == null ? clock.instant() : cur.metadata().createdAt(),
                              m.labels(),
                              m.annotations());
                      T toWrite = type.cast(incoming.withMetadata(meta));
                      long expected = cur == null ? Store.ABSENT : cur.metadata().resourceVersion();
                      return repo.put(key, toWrite, expected, type)
                          .map(saved -> new Written<>(saved, cur == null));
                    }));
  }

  public Future<Void> delete(String key, String what) {
    return repo.delete(key, Store.ANY)
        .compose(
            deleted ->
                deleted
                    ? Future.succeededFuture()
                    : Future.failedFuture(new NotFoundException(what + " does not exist", null)));
  }
}
