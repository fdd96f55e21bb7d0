package dev.skiff.node.container.internal;

import dev.skiff.node.container.ContainerImage;

/**
 * A container created ahead for a revision at zero: its init waits on the runtime's exec fifo, its
 * shim ({@code process}) is its parent, and {@code teardown} removes all of it.
 *
 * @param config the {@code config.json} it was created with, which fixes everything but the
 *     workload's start: a wake compares it with what the instance would get
 */
public record Prepared(
    String key,
    PodNetwork.Attachment net,
    Bundle bundle,
    ImageUser user,
    String config,
    ContainerImage image,
    Process process,
    Teardown teardown) {

  /** Kills and removes it; blocking. Returns what could not be removed, as messages. */
  public java.util.List<String> discard() {
    return teardown.run();
  }
}
