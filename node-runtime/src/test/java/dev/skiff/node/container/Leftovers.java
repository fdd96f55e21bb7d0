package dev.skiff.node.container;

import dev.skiff.node.container.internal.Commands;
import dev.skiff.node.container.internal.MountTable;
import dev.skiff.node.container.internal.Preparations;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * What a backend's scope has on the host right now, read independently of the backend's own code
 * where it can be: runc's list, the mount table, cgroupfs, /run/netns, /sys/class/net, /proc.
 */
final class Leftovers {
  private Leftovers() {}

  static List<String> of(ContainerConfig c, Path runtime, String marker) throws IOException {
    List<String> out = new ArrayList<>();
    if (Files.isDirectory(c.runtimeRoot())) {
      Commands.Result r =
          Commands.run(
              List.of(runtime.toString(), "--root", c.runtimeRoot().toString(), "list", "-q"));
      r.stdout().lines().filter(l -> !l.isBlank()).forEach(l -> out.add("container " + l));
    }
    for (Path m : MountTable.under(c.dataDir())) {
      out.add("mount " + m);
    }
    for (MountTable.Mount m : MountTable.read()) {
      if (m.fsType().startsWith("cgroup")) {
        Path parent = m.mountPoint().resolve(c.cgroupParent().substring(1));
        if (Files.isDirectory(parent)) {
          try (Stream<Path> s = Files.list(parent)) {
            s.filter(Files::isDirectory).forEach(d -> out.add("cgroup " + d));
          }
        }
      }
    }
    Path netns = Path.of("/run/netns");
    if (Files.isDirectory(netns)) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(netns, c.scope() + "-*")) {
        ds.forEach(p -> out.add("netns " + p.getFileName()));
      }
    }
    try (DirectoryStream<Path> ds =
        Files.newDirectoryStream(Path.of("/sys/class/net"), c.interfacePrefix() + "*")) {
      ds.forEach(p -> out.add("link " + p.getFileName()));
    }
    try (DirectoryStream<Path> ds =
        Files.newDirectoryStream(
            Path.of("/proc"), p -> p.getFileName().toString().matches("[0-9]+"))) {
      for (Path p : ds) {
        String cmd;
        try {
          cmd =
              new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                  .replace('\0', ' ');
        } catch (IOException e) {
          continue;
        }
        if (cmd.contains(c.runtimeRoot().toString()) || (marker != null && cmd.contains(marker))) {
          out.add("process " + p.getFileName() + " " + cmd.strip());
        }
      }
    }
    return out;
  }

  /** Waits until the scope is clean (teardown is asynchronous); fails listing what stayed. */
  static void assertNone(ContainerConfig c, Path runtime, String marker, Duration patience)
      throws IOException, InterruptedException {
    assertNone(c, runtime, marker, patience, List::of);
  }

  /**
   * As above while {@code b} runs: the network it prepared ahead for its next instances ({@link
   * ContainerConfig.Builder#withNetworkSpares}) and the containers it created ahead and keeps
   * waiting ({@link ContainerConfig.Builder#withPreparedContainers}: every line naming one's key,
   * and its namespace and link) are its own, not leftovers. One still being created is not yet
   * kept: the wait lasts until it is.
   */
  static void assertNone(ContainerBackend b, ContainerConfig c, String marker, Duration patience)
      throws IOException, InterruptedException {
    assertNone(c, b.runtime(), marker, patience, () -> owned(b));
  }

  private static List<String> owned(ContainerBackend b) {
    List<String> out = new ArrayList<>(b.spareNetwork());
    out.addAll(b.preparedHoldings());
    return out;
  }

  private static void assertNone(
      ContainerConfig c,
      Path runtime,
      String marker,
      Duration patience,
      java.util.function.Supplier<List<String>> owned)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + patience.toNanos();
    List<String> left;
    do {
      left = of(c, runtime, marker);
      List<String> own = owned.get();
      left.removeIf(
          line ->
              own.contains(line)
                  || own.stream()
                      .anyMatch(k -> k.startsWith(Preparations.PREFIX) && namesKey(line, k)));
      if (left.isEmpty()) {
        return;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("left on the host: " + left);
  }

  /**
   * Whether {@code line} names the prepared key {@code key} as a whole name: a key whose base is
   * the start of another's ({@code prep.1.web} and {@code prep.1.web2}) does not claim the other's
   * lines.
   */
  static boolean namesKey(String line, String key) {
    for (int i = line.indexOf(key); i >= 0; i = line.indexOf(key, i + 1)) {
      int end = i + key.length();
      boolean startsName = i == 0 || !isNameChar(line.charAt(i - 1));
      boolean endsName = end == line.length() || !isNameChar(line.charAt(end));
      if (startsName && endsName) {
        return true;
      }
    }
    return false;
  }

  private static boolean isNameChar(char c) {
    return Character.isLetterOrDigit(c) || c == '.' || c == '-' || c == '_';
  }
}
