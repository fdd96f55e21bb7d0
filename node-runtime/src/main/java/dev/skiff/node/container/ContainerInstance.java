package dev.skiff.node.container;

import dev.skiff.node.spi.Instance;
import dev.skiff.node.spi.InstanceExit;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.file.Path;

/** A running container: an {@link Instance} whose end can be awaited. */
public interface ContainerInstance extends Instance {
  /**
   * Completes, on the context that started the instance, once the container has ended and
   * everything it held on the node (namespace, cgroup, mount, bundle) is released; never fails.
   * Unrequested exits are what the agent restarts with backoff.
   */
  Future<ContainerExit> exited();

  /** {@link #exited()} for the agent: only the exits nobody asked for. */
  @Override
  default Future<InstanceExit> ended() {
    return exited()
        .compose(
            e ->
                e.requested()
                    ? Promise.<InstanceExit>promise().future()
                    : Future.succeededFuture(
                        new InstanceExit(e.reason(), "the container ended: " + e)));
  }

  /** Where its rotating {@code stdout.log} and {@code stderr.log} are; kept after it ends. */
  Path logDirectory();
}
