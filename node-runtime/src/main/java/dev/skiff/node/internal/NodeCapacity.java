package dev.skiff.node.internal;

import dev.skiff.api.model.Resources;
import dev.skiff.api.validation.Quantities;
import dev.skiff.node.internal.RevisionInstances.Running;
import dev.skiff.node.spi.FileDescriptors;
import java.util.Collection;
import java.util.function.Supplier;

/**
 * Admission of instance starts against what the node can hold: instances per revision and per node,
 * the memory instances request ({@code resources.memory}; none requested counts as none) against
 * the node's, and file descriptors left. Called on the agent's context.
 */
public final class NodeCapacity {

  /**
   * @param maxPerRevision instances one revision may have, whatever the autoscaler asks
   * @param maxPerNode instances of all revisions together
   * @param memoryBytes memory instances may request in total
   * @param fdReserve file descriptors that must stay free after a start
   */
  public record Limits(int maxPerRevision, int maxPerNode, long memoryBytes, long fdReserve) {
    public static final Limits DEFAULTS = new Limits(100, 1000, defaultMemory(), 1024);

    /** 80 % of the machine's memory, or unbounded when the JVM cannot tell. */
    public static long defaultMemory() {
      if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
          instanceof com.sun.management.OperatingSystemMXBean os) {
        return os.getTotalMemorySize() / 10 * 8;
      }
      return Long.MAX_VALUE;
    }
  }

  private final Limits limits;
  private final FileDescriptors fds;
  private final Supplier<Collection<RevisionInstances>> revisions;

  public NodeCapacity(
      Limits limits, FileDescriptors fds, Supplier<Collection<RevisionInstances>> revisions) {
    this.limits = limits;
    this.fds = fds;
    this.revisions = revisions;
  }

  /** The instances the revision may have now: its desired count, capped per revision. */
  public int allowed(RevisionInstances r) {
    return Math.min(r.desired(), limits.maxPerRevision());
  }

  /** Why one more instance of {@code r} may not start now; null when it may. */
  public String refusal(RevisionInstances r) {
    if (r.instances().size() >= limits.maxPerRevision()) {
      return "the autoscaler wants "
          + r.desired()
          + " instances; a revision may have at most "
          + limits.maxPerRevision()
          + " (skiffd --max-instances-per-revision)";
    }
    int instances = 0;
    long memory = 0;
    for (RevisionInstances other : revisions.get()) {
      long each = memoryOf(other);
      for (Running ignored : other.instances()) {
        instances++;
        memory += each;
      }
    }
    if (instances >= limits.maxPerNode()) {
      return "the node runs "
          + instances
          + " instances, its ceiling (skiffd --max-instances-per-node)";
    }
    long want = memoryOf(r);
    if (want > 0 && memory + want > limits.memoryBytes()) {
      return "the node has "
          + mib(limits.memoryBytes() - memory)
          + " of memory left for instances and one asks for "
          + mib(want)
          + " (skiffd --node-memory; lower resources.memory or stop other services)";
    }
    long free = fds.max() - fds.open();
    if (free < limits.fdReserve()) {
      return "the node has "
          + free
          + " file descriptors left of "
          + fds.max()
          + ", under its reserve of "
          + limits.fdReserve()
          + " (raise the process's limit, ulimit -n)";
    }
    return null;
  }

  private static long memoryOf(RevisionInstances r) {
    Resources res = r.revision().spec().template().resources();
    if (res == null || res.memory() == null) {
      return 0;
    }
    try {
      return Quantities.bytes(res.memory());
    } catch (IllegalArgumentException e) {
      return 0; // validated at deploy; an old malformed one is the backend's to refuse
    }
  }

  private static String mib(long bytes) {
    return (bytes >> 20) + " MiB";
  }
}
