package dev.skiff.node.spi;

/**
 * Hears what happened to instances: pulling their image (a few times a second while bytes arrive)
 * and pulled it, started (with how long it took), failed to start, ended by itself (and will be
 * restarted), given up on. Called on the agent's event loop; must not block.
 */
@FunctionalInterface
public interface InstanceEvents {
  /** Hears nothing. */
  InstanceEvents NONE = e -> {};

  void onInstanceEvent(InstanceEvent event);

  /** What happened. */
  enum What {
    /** Pulling the instance's image; the message has the bytes and layers so far. */
    PULLING,
    /** Pulled the instance's image; the message has its digest, size and how long it took. */
    PULLED,
    STARTED,
    START_FAILED,
    ENDED,
    GAVE_UP
  }

  /**
   * One thing that happened to one instance.
   *
   * @param reason a CamelCase reason from the backend for failures, else null
   * @param message what happened, for a person
   */
  record InstanceEvent(
      String namespace,
      String service,
      String revision,
      String instance,
      What what,
      String reason,
      String message) {}
}
