package dev.skiff.node.container.internal;

import dev.skiff.node.container.ReconcileReport;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Removes what instances the backend does not run left on the host: runc containers under its own
 * state directory and their orphaned runtime processes, cgroups under its parent, mounts under its
 * data directory, network namespaces and links with its names, and bundles. Since {@code runc run}
 * cannot tie a container's life to the agent's, this is how a crashed agent's containers go away:
 * the next agent runs it before starting anything. Each step works from what the host shows, not
 * from a record that a crash could have cut short. Blocking.
 */
public final class Reconciler {
  private static final System.Logger LOG = System.getLogger(Reconciler.class.getName());
  private static final Duration PATIENCE = Duration.ofSeconds(10);

  private final Host host;

  public Reconciler(Host host) {
    this.host = host;
  }

  /**
   * Removes everything not belonging to {@code live} (instance keys), and returns what it removed.
   */
  public ReconcileReport run(Set<String> live) {
    List<String> containers = new ArrayList<>();
    for (OciRuntime.Container c : host.runtime().list()) {
      if (!live.contains(c.id())) {
        host.runtime().kill(c.id(), "KILL");
        host.runtime().delete(c.id());
        containers.add(c.id());
      }
    }
    List<Long> processes = killOrphanedRuntimes(live);

    List<String> cgroups = new ArrayList<>();
    for (String key : host.cgroups().keys()) {
      if (!live.contains(key)) {
        host.cgroups().remove(key, PATIENCE).forEach(p -> cgroups.add(p.toString()));
      }
    }

    Path containersDir = Bundle.containersDir(host.config().dataDir());
    List<String> mounts = new ArrayList<>();
    for (Path m : MountTable.under(containersDir)) {
      Path rel = containersDir.relativize(m);
      if (rel.getNameCount() > 0 && !live.contains(rel.getName(0).toString())) {
        Overlay.unmount(m);
        mounts.add(m.toString());
      }
    }

    List<String> namespaces = new ArrayList<>();
    for (String key : host.network().namespaceKeys()) {
      if (!live.contains(key)) {
        String ns = host.network().netnsName(key);
        host.network().removeNetns(ns);
        namespaces.add(ns);
      }
    }
    List<String> links = new ArrayList<>();
    for (String link : host.network().strayLinks()) {
      host.network().removeLink(link);
      links.add(link);
    }

    List<String> bundles = new ArrayList<>();
    if (Files.isDirectory(containersDir)) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(containersDir, Files::isDirectory)) {
        for (Path dir : ds) {
          String key = dir.getFileName().toString();
          if (live.contains(key)) {
            continue;
          }
          Bundle b = new Bundle(host.config().dataDir(), key);
          if (b.onlyLogsOlderThan(host.config().logRetention().toMillis())) {
            b.deleteAll();
          } else if (!onlyLogs(dir)) {
            b.deleteExceptLogs();
            bundles.add(key);
          }
        }
      } catch (IOException e) {
        LOG.log(Level.WARNING, "cannot list " + containersDir, e);
      }
    }
    return new ReconcileReport(containers, processes, cgroups, mounts, namespaces, links, bundles);
  }

  private static boolean onlyLogs(Path dir) throws IOException {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        if (!p.getFileName().toString().equals("logs")) {
          return false;
        }
      }
    }
    return true;
  }

  /**
   * SIGKILLs {@code <runtime> --root <our root> run ... <id>} processes and shims of containers
   * created ahead for ids not live: the parents a crashed agent left, which would otherwise linger
   * until their container ends.
   */
  private List<Long> killOrphanedRuntimes(Set<String> live) {
    String root = host.runtime().root().toString();
    List<Long> killed = new ArrayList<>();
    try (DirectoryStream<Path> ds =
        Files.newDirectoryStream(
            Path.of("/proc"), p -> p.getFileName().toString().matches("[0-9]+"))) {
      for (Path p : ds) {
        List<String> argv = cmdline(p);
        if (!isRuntimeRun(argv, root) && !isShim(argv, root)) {
          continue;
        }
        if (!live.contains(argv.get(argv.size() - 1))) {
          long pid = Long.parseLong(p.getFileName().toString());
          ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
          killed.add(pid);
        }
      }
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot scan /proc for orphaned runtime processes", e);
    }
    return killed;
  }

  private static boolean isRuntimeRun(List<String> argv, String root) {
    int r = argv.indexOf("--root");
    return r >= 0
        && r + 2 < argv.size()
        && argv.get(r + 1).equals(root)
        && argv.get(r + 2).equals("run");
  }

  /** {@code skiff-shim RUNTIME ROOT BUNDLE ID}: the parent of a container created ahead. */
  private static boolean isShim(List<String> argv, String root) {
    return argv.size() == 5
        && Path.of(argv.get(0)).getFileName().toString().startsWith("skiff-shim")
        && argv.get(2).equals(root);
  }

  private static List<String> cmdline(Path proc) {
    try {
      byte[] raw = Files.readAllBytes(proc.resolve("cmdline"));
      if (raw.length == 0) {
        return List.of();
      }
      return Arrays.asList(new String(raw, StandardCharsets.UTF_8).split("\0"));
    } catch (IOException e) {
      return List.of();
    }
  }
}
