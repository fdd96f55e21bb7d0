package dev.skiff.node.spi;

/**
 * How many file descriptors the node's process has open and may open, for admission: an instance is
 * not started when too few are left. Called on the agent's event loop; must not block.
 */
public interface FileDescriptors {
  long open();

  long max();

  /** This process's own counts (from the JVM), or none known (no check) where it cannot tell. */
  static FileDescriptors ofThisProcess() {
    if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      return new FileDescriptors() {
        @Override
        public long open() {
          return unix.getOpenFileDescriptorCount();
        }

        @Override
        public long max() {
          return unix.getMaxFileDescriptorCount();
        }
      };
    }
    return new FileDescriptors() {
      @Override
      public long open() {
        return 0;
      }

      @Override
      public long max() {
        return Long.MAX_VALUE;
      }
    };
  }
}
