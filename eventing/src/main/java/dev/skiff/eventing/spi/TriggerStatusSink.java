package dev.skiff.eventing.spi;

import dev.skiff.api.model.TriggerStatus;
import io.vertx.core.Future;

/**
 * Where the dispatcher writes what it observed of a trigger. Called from the trigger's consumer
 * thread, at most one call in flight per trigger, only when the status changed.
 */
public interface TriggerStatusSink {
  Future<Void> report(String namespace, String trigger, TriggerStatus status);
}
