package dev.skiff.meshproxy;

/**
 * Told when a request starts and stops counting in the sidecar's {@link InstanceStats}: from its
 * authorization (waiting for a slot included) to the end of its exchange. The node agent uses it to
 * count the instance's requests where it counts every instance's. Called on the request's event
 * loop; must not block.
 */
public interface RequestListener {
  /** A request entered; {@code proxied} when the activator forwarded it. */
  void entered(boolean proxied);

  /** The request that entered with {@code proxied} is over. */
  void left(boolean proxied);

  /** Tells nobody. */
  RequestListener NONE =
      new RequestListener() {
        @Override
        public void entered(boolean proxied) {}

        @Override
        public void left(boolean proxied) {}
      };
}
