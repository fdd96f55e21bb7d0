package dev.skiff.activator.internal;

import dev.skiff.activator.spi.Endpoint;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A request waiting in a revision's queue. The throttler hands it a slot through {@code onGrant},
 * called once, from whichever thread freed the capacity, outside the throttler's lock; or, when the
 * revision cannot get an instance, an error through {@code onRefuse}, likewise.
 */
final class Waiter {
  private final Set<Endpoint> refusedBy;
  private final Consumer<EndpointSlot> onGrant;
  private final Consumer<RuntimeException> onRefuse;

  /** The request's cold-start trace, stamped when it pokes; null when not traced. */
  ColdTrace trace;

  // The queue's links, guarded by the throttler's lock.
  Waiter prev;
  Waiter next;
  boolean linked;

  /**
   * @param refusedBy endpoints that refused this request's connection before; avoided while another
   *     endpoint is ready
   */
  Waiter(Set<Endpoint> refusedBy, Consumer<EndpointSlot> onGrant) {
    this(refusedBy, onGrant, why -> {});
  }

  Waiter(
      Set<Endpoint> refusedBy,
      Consumer<EndpointSlot> onGrant,
      Consumer<RuntimeException> onRefuse) {
    this.refusedBy = refusedBy;
    this.onGrant = onGrant;
    this.onRefuse = onRefuse;
  }

  Set<Endpoint> refusedBy() {
    return refusedBy;
  }

  void grant(EndpointSlot slot) {
    onGrant.accept(slot);
  }

  /** Takes the request out of the queue with an error: it will get no slot. */
  void refuse(RuntimeException why) {
    onRefuse.accept(why);
  }
}
