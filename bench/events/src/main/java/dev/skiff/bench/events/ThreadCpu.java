package dev.skiff.bench.events;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * skiffd's CPU time per live thread (user + system, from {@code /proc/PID/task/TID/stat}, in clock
 * ticks of 10 ms) at one moment; two samples give each thread group's CPU in between, to see
 * whether one thread is saturated while cores are left. Empty off Linux.
 */
final class ThreadCpu {
  private static final double TICK_SECONDS = 0.01;

  private record Thread(String name, long ticks) {}

  private final Map<String, Thread> threads;
  private final long at;

  private ThreadCpu(Map<String, Thread> threads, long at) {
    this.threads = threads;
    this.at = at;
  }

  static ThreadCpu sample(Process p) {
    Map<String, Thread> m = new HashMap<>();
    Path tasks = Path.of("/proc", Long.toString(p.pid()), "task");
    try (var dirs = Files.list(tasks)) {
      for (Path t : dirs.toList()) {
        try {
          String s = Files.readString(t.resolve("stat"));
          String name = s.substring(s.indexOf('(') + 1, s.lastIndexOf(')'));
          String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
          // fields 14 and 15 of stat (utime, stime) are 11 and 12 after the name
          m.put(
              t.getFileName().toString(),
              new Thread(name, Long.parseLong(f[11]) + Long.parseLong(f[12])));
        } catch (IOException | RuntimeException e) {
          // the thread ended between the listing and the read
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return new ThreadCpu(m, System.nanoTime());
  }

  /** The group a thread's (15-character) name belongs to. */
  static String group(String name) {
    if (name.startsWith("vert.x-eventloo")) {
      return "event_loops";
    } else if (name.startsWith("C2 Compiler")) {
      return "jit_c2";
    } else if (name.startsWith("C1 Compiler")) {
      return "jit_c1";
    } else if (name.startsWith("skiff-trigger")) {
      return "trigger_consumer";
    } else if (name.startsWith("skiff-wasm")) {
      return "wasm_workers";
    } else if (name.startsWith("GC ") || name.startsWith("G1 ")) {
      return "gc";
    }
    return "other";
  }

  /**
   * CPU since {@code before} per group in µs per event over {@code events}, and the busiest
   * thread's share of a core (threads that started meanwhile count from zero).
   */
  String json(ThreadCpu before, long events) {
    Map<String, Long> groups = new TreeMap<>();
    Map<String, Long> perThread = new LinkedHashMap<>();
    for (Map.Entry<String, Thread> e : threads.entrySet()) {
      Thread was = before.threads.get(e.getKey());
      long d = e.getValue().ticks() - (was == null ? 0 : was.ticks());
      groups.merge(group(e.getValue().name()), d, Long::sum);
      perThread.put(e.getValue().name() + "#" + e.getKey(), d);
    }
    double seconds = (at - before.at) / 1e9;
    StringBuilder b = new StringBuilder("{\"us_per_event\":{");
    String sep = "";
    for (Map.Entry<String, Long> g : groups.entrySet()) {
      b.append(sep)
          .append('"')
          .append(g.getKey())
          .append("\":")
          .append(
              String.format(
                  Locale.ROOT,
                  "%.1f",
                  events <= 0 ? 0 : g.getValue() * TICK_SECONDS * 1e6 / events));
      sep = ",";
    }
    b.append("},\"cores\":{");
    sep = "";
    for (Map.Entry<String, Long> g : groups.entrySet()) {
      b.append(sep)
          .append('"')
          .append(g.getKey())
          .append("\":")
          .append(String.format(Locale.ROOT, "%.2f", g.getValue() * TICK_SECONDS / seconds));
      sep = ",";
    }
    Map.Entry<String, Long> busiest =
        perThread.entrySet().stream().max(Map.Entry.comparingByValue()).orElse(null);
    b.append("},\"busiest_thread\":\"")
        .append(busiest == null ? "" : busiest.getKey().replace("\"", "'"))
        .append("\",\"busiest_thread_cores\":")
        .append(
            String.format(
                Locale.ROOT,
                "%.2f",
                busiest == null ? 0 : busiest.getValue() * TICK_SECONDS / seconds))
        .append(",\"seconds\":")
        .append(String.format(Locale.ROOT, "%.2f", seconds))
        .append('}');
    return b.toString();
  }
}
