package dev.skiff.node.container.internal;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * The cgroups of this backend's containers, {@code <parent>/<key>} in every mounted hierarchy, so
 * the same code serves cgroup v1, v2 and the hybrid layout. runc creates and deletes them; this
 * class reads OOM kill counts and removes what a crashed agent left. Blocking.
 *
 * <p>The hierarchies' mount points are read from the mount table once, when first needed, and kept:
 * every stop asks for them twice (OOM kills, removal), and the table grows by two lines per running
 * container (its overlay and its network namespace), so reading it per stop cost the node CPU in
 * proportion to what it runs. A host mounts its cgroup hierarchies at boot; one mounted later is
 * seen by the next skiffd.
 */
public final class Cgroups {
  private final String parent;
  private final Supplier<List<MountTable.Mount>> mounts;
  private volatile List<Path> roots;

  /**
   * @param parent the cgroup parent, absolute, e.g. {@code /skiff}
   */
  public Cgroups(String parent) {
    this(parent, MountTable::read);
  }

  Cgroups(String parent, Supplier<List<MountTable.Mount>> mounts) {
    this.parent = parent.startsWith("/") ? parent.substring(1) : parent;
    this.mounts = mounts;
  }

  /** The {@code cgroupsPath} to give runc for an instance. */
  public String pathFor(String key) {
    return "/" + parent + "/" + key;
  }

  /** True on a pure cgroup v2 host ({@code /sys/fs/cgroup} is cgroup2). */
  public static boolean unifiedOnly() {
    return MountTable.read().stream()
        .anyMatch(
            m -> m.mountPoint().equals(Path.of("/sys/fs/cgroup")) && m.fsType().equals("cgroup2"));
  }

  /** True when the memory controller accounts swap (cgroup v1 {@code memory.memsw.*}). */
  public static boolean v1SwapAccounting() {
    return Files.exists(Path.of("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes"));
  }

  /** How often the kernel OOM-killed a process of the instance; 0 when unknown. */
  public long oomKills(String key) {
    for (Path dir : dirs(key)) {
      for (String file : List.of("memory.events", "memory.oom_control")) {
        Path f = dir.resolve(file);
        if (!Files.isReadable(f)) {
          continue;
        }
        try {
          for (String line : Files.readAllLines(f)) {
            if (line.startsWith("oom_kill ")) {
              return Long.parseLong(line.substring("oom_kill ".length()).trim());
            }
          }
        } catch (IOException | NumberFormatException e) {
          // Gone or unreadable: the exit is then reported without an OOM verdict.
        }
      }
    }
    return 0;
  }

  /** Keys of every instance cgroup under the parent, in any hierarchy. */
  public Set<String> keys() {
    Set<String> out = new TreeSet<>();
    for (Path root : roots()) {
      Path p = root.resolve(parent);
      if (!Files.isDirectory(p)) {
        continue;
      }
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(p, Files::isDirectory)) {
        ds.forEach(d -> out.add(d.getFileName().toString()));
      } catch (IOException e) {
        // Raced with a removal.
      }
    }
    return out;
  }

  /** The instance's cgroup directories that exist. */
  public List<Path> dirs(String key) {
    List<Path> out = new ArrayList<>();
    for (Path root : roots()) {
      Path p = root.resolve(parent).resolve(key);
      if (Files.isDirectory(p)) {
        out.add(p);
      }
    }
    return out;
  }

  /**
   * SIGKILLs every process in the instance's cgroups and removes them, waiting up to {@code
   * patience} for the processes to die. Returns the directories removed.
   */
  public List<Path> remove(String key, Duration patience) {
    List<Path> removed = new ArrayList<>();
    for (Path dir : dirs(key)) {
      removeTree(dir, patience, removed);
    }
    return removed;
  }

  /** Removes the parent cgroup in every hierarchy where it is empty. */
  public void removeParentIfEmpty() {
    for (Path root : roots()) {
      try {
        Files.deleteIfExists(root.resolve(parent));
      } catch (IOException e) {
        // Not empty (another backend shares it) or already gone.
      }
    }
  }

  private static void removeTree(Path dir, Duration patience, List<Path> removed) {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, Files::isDirectory)) {
      for (Path child : ds) {
        removeTree(child, patience, removed);
      }
    } catch (IOException e) {
      return;
    }
    long deadline = System.nanoTime() + patience.toNanos();
    while (true) {
      List<Long> pids = pids(dir);
      pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
      try {
        // rmdir of a cgroup only succeeds once it has no processes; the files inside are virtual.
        Files.deleteIfExists(dir);
        removed.add(dir);
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          return;
        }
        Pause.briefly();
      }
    }
  }

  private static List<Long> pids(Path dir) {
    List<Long> out = new ArrayList<>();
    try {
      for (String l : Files.readAllLines(dir.resolve("cgroup.procs"))) {
        if (!l.isBlank()) {
          out.add(Long.parseLong(l.trim()));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // Gone.
    }
    return out;
  }

  private List<Path> roots() {
    List<Path> known = roots;
    if (known != null) {
      return known;
    }
    List<Path> out = new ArrayList<>();
    for (MountTable.Mount m : mounts.get()) {
      if (m.fsType().equals("cgroup") || m.fsType().equals("cgroup2")) {
        out.add(m.mountPoint());
      }
    }
    // None mounted (yet): ask again next time rather than keep an empty answer.
    if (!out.isEmpty()) {
      roots = List.copyOf(out);
    }
    return out;
  }
}
