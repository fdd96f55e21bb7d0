package dev.skiff.wasm.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The calling thread's minor page faults, for the cold-start trace. On the 2-core bench VM a fault
 * on a page the JVM's heap has not touched yet costs about 13 µs, so a new instance's guest memory
 * (two 64 KiB pages, about 37 faults when the heap hands out fresh pages) can cost more than the
 * guest's whole run; the trace line says how many a first run took (docs/autoscaling.md, "A new
 * instance's first run: page faults"). Each read opens a file (tens of µs): for traced runs only.
 */
final class ThreadFaults {
  private static final Path STAT = Path.of("/proc/thread-self/stat");

  /** The index of minflt among the fields after the command name (proc(5): field 10). */
  private static final int MINFLT = 7;

  private ThreadFaults() {}

  /** This thread's minor faults so far, or -1 where the kernel does not say (not Linux). */
  static long minor() {
    try {
      return parse(Files.readString(STAT));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * minflt of a {@code stat} line. The command name (in parentheses) may hold spaces and
   * parentheses itself, so the fields are counted from its last closing one.
   */
  static long parse(String stat) {
    int end = stat.lastIndexOf(')');
    if (end < 0) {
      return -1;
    }
    String[] fields = stat.substring(end + 1).trim().split(" ");
    return fields.length > MINFLT ? Long.parseLong(fields[MINFLT]) : -1;
  }
}
