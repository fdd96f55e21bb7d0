package dev.skiff.activator.spi;

import java.util.function.Consumer;

/**
 * The ready endpoints of each revision, pushed as they change. Implemented by the node runtime
 * (in-process) or whatever mirrors the published endpoints in a cluster. The activator never polls:
 * it reacts to the listener.
 */
public interface EndpointWatch {

  /**
   * Starts watching one revision. Before returning, calls {@code listener} once, on the calling
   * thread, with the revision's current state ({@link RevisionEndpoints#NONE} when it knows none);
   * after that, calls it with the whole new state after every change, from any thread, one call at
   * a time and in order for this subscription, until the subscription is cancelled.
   *
   * <p>Called on an activator event loop when a revision is first seen: must not block. The
   * listener never blocks either; it may be called while the implementation holds its own lock.
   */
  Subscription watch(String namespace, String revision, Consumer<RevisionEndpoints> listener);

  /** Stops the calls to one listener. */
  @FunctionalInterface
  interface Subscription {
    /** After this returns, the listener may still get at most a call already under way. */
    void cancel();
  }
}
