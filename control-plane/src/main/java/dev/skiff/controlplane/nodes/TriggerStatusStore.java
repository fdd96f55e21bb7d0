package dev.skiff.controlplane.nodes;

import dev.skiff.api.model.Trigger;
import dev.skiff.api.model.TriggerStatus;
import dev.skiff.controlplane.internal.resources.Keys;
import dev.skiff.controlplane.internal.resources.Repository;
import dev.skiff.controlplane.internal.resources.Retry;
import dev.skiff.controlplane.spi.Store;
import io.vertx.core.Future;
import java.util.Objects;

/**
 * Writes a trigger's status straight to the store, for an eventing dispatcher apart from the
 * control plane ({@code skiffd --roles eventing}), which reads triggers from the same store and
 * holds no API credential. The same write as the API's {@code PUT .../triggers/{name}/status}: a
 * compare-and-set on the stored trigger, read again and retried when another writer got in between,
 * the spec untouched. A trigger deleted meanwhile is not an error (nothing is written).
 *
 * <p>Who writes: every dispatcher writes the status it observed from the partitions Kafka assigned
 * it (the last writer wins), as control planes side by side always did.
 */
public final class TriggerStatusStore {
  private final Repository repo;

  public TriggerStatusStore(Store store) {
    this.repo = new Repository(Objects.requireNonNull(store));
  }

  /** Replaces the status of trigger {@code namespace/name}; succeeds when it no longer exists. */
  public Future<Void> write(String namespace, String name, TriggerStatus status) {
    String key = Keys.trigger(namespace, name);
    return Retry.onConflict(
        () ->
            repo.get(key, Trigger.class)
                .compose(
                    found ->
                        found.isEmpty()
                            ? Future.<Void>succeededFuture()
                            : repo.put(
                                    key,
                                    found.get().withStatus(status),
                                    found.get().metadata().resourceVersion(),
                                    Trigger.class)
                                .<Void>mapEmpty()));
  }
}
