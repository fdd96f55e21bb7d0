package dev.skiff.activator.internal;

import dev.skiff.activator.spi.Endpoint;

/**
 * One ready endpoint of a revision as its throttler tracks it: how many of the activator's requests
 * it is serving, and whether it has left the ready set. A request holds the slot from its grant to
 * the end of its response.
 */
final class EndpointSlot {
  private final Endpoint endpoint;

  /** Requests granted on this endpoint and not yet released; guarded by the throttler's lock. */
  int inFlight;

  private volatile boolean gone;

  EndpointSlot(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  Endpoint endpoint() {
    return endpoint;
  }

  /**
   * True once the endpoint left the revision's ready set; requests not yet sent must not use it.
   */
  boolean gone() {
    return gone;
  }

  void markGone() {
    gone = true;
  }

  @Override
  public String toString() {
    return endpoint.toString();
  }
}
