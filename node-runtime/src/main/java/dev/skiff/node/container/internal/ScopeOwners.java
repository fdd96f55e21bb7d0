package dev.skiff.node.container.internal;

import dev.skiff.node.container.ContainerConfig;
import dev.skiff.node.container.ReconcileReport;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * Which process owns each backend scope on the host, so a backend can remove what a killed one
 * left. A backend's reconcile removes its own scope's leftovers when the same data directory starts
 * again; a skiffd on a data directory that never starts again (a test's temporary one, a machine
 * re-purposed) left its network namespaces, veth links, fence route and containers behind for good,
 * and each such scope kept a pod subnet taken until none of the 64 candidates was free.
 *
 * <p>Each backend claims its scope in {@code /run/skiff/owners/{scope}} (its process id and start
 * time, and the names its scope uses) before it creates anything, and removes the claim when it
 * closes. At start it sweeps every other claim whose process is gone (or whose process id now
 * belongs to a process that started later): it runs the {@link Reconciler} on that scope as if it
 * were the scope's own next start, with nothing live, removes its fence and forgets the claim. A
 * live owner's scope is never touched, whichever JVM or data directory it runs from. Blocking.
 */
public final class ScopeOwners {
  private static final System.Logger LOG = System.getLogger(ScopeOwners.class.getName());
  static final Path DEFAULT_DIR = Path.of("/run/skiff/owners");

  private final Path dir;

  public ScopeOwners() {
    this(DEFAULT_DIR);
  }

  ScopeOwners(Path dir) {
    this.dir = dir;
  }

  /** A claim as stored. */
  record Claim(
      long pid,
      long startMillis,
      String scope,
      Path dataDir,
      Path runtimeBinary,
      Path runtimeRoot,
      String interfacePrefix,
      String cgroupParent,
      boolean firewall,
      String subnet) {}

  /** Claims {@code config}'s scope for this process ({@code subnet} may be null until chosen). */
  public void claim(ContainerConfig config, Path runtimeBinary, String subnet) {
    ProcessHandle self = ProcessHandle.current();
    Properties p = new Properties();
    p.setProperty("pid", Long.toString(self.pid()));
    p.setProperty("start", Long.toString(startMillis(self)));
    p.setProperty("scope", config.scope());
    p.setProperty("dataDir", config.dataDir().toAbsolutePath().toString());
    p.setProperty("runtime", runtimeBinary.toString());
    p.setProperty("runtimeRoot", config.runtimeRoot().toString());
    p.setProperty("interfacePrefix", config.interfacePrefix());
    p.setProperty("cgroupParent", config.cgroupParent());
    p.setProperty("firewall", Boolean.toString(config.firewall()));
    if (subnet != null) {
      p.setProperty("subnet", subnet);
    }
    try {
      Files.createDirectories(dir);
      Path tmp = dir.resolve("." + config.scope() + "." + self.pid());
      try (var out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
        p.store(out, "skiff container backend scope owner");
      }
      try {
        Files.move(
            tmp,
            dir.resolve(config.scope()),
            StandardCopyOption.REPLACE_EXISTING,
            StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, dir.resolve(config.scope()), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      // Without a claim a later backend cannot tell this scope is live: it then leaves it alone
      // (only claimed scopes are swept), so this costs the clean-up, not safety.
      LOG.log(
          Level.WARNING, "cannot record the owner of scope " + config.scope() + " in " + dir, e);
    }
  }

  /** Forgets this process's claim on {@code scope} (a clean close). */
  public void release(String scope) {
    read(dir.resolve(scope))
        .filter(c -> c.pid() == ProcessHandle.current().pid())
        .ifPresent(
            c -> {
              try {
                Files.deleteIfExists(dir.resolve(scope));
              } catch (IOException e) {
                LOG.log(Level.WARNING, "cannot remove the owner record of scope " + scope, e);
              }
            });
  }

  /**
   * Removes what scopes other than {@code own} left whose owner is gone; returns what it removed,
   * one line per scope.
   */
  public List<String> sweep(Vertx vertx, WorkerExecutor workers, String own) {
    List<String> removed = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return removed;
    }
    List<Path> claims = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, p -> !isTemp(p))) {
      ds.forEach(claims::add);
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot list " + dir, e);
      return removed;
    }
    for (Path file : claims) {
      Optional<Claim> claim = read(file);
      if (claim.isEmpty() || claim.get().scope().equals(own) || alive(claim.get())) {
        continue;
      }
      Claim c = claim.get();
      try {
        removed.add(c.scope() + ": " + abandon(vertx, workers, c));
        Files.deleteIfExists(file);
      } catch (RuntimeException | IOException e) {
        LOG.log(
            Level.WARNING,
            "cannot remove what scope {0} (process {1}, gone) left: {2}",
            c.scope(),
            c.pid(),
            e.getMessage());
      }
    }
    return removed;
  }

  private static String abandon(Vertx vertx, WorkerExecutor workers, Claim c) {
    ContainerConfig.Builder b =
        ContainerConfig.builder()
            .withScope(c.scope())
            .withDataDir(c.dataDir())
            .withRuntimeRoot(c.runtimeRoot())
            .withInterfacePrefix(c.interfacePrefix())
            .withCgroupParent(c.cgroupParent())
            .withFirewall(c.firewall());
    if (c.subnet() != null) {
      b.withSubnet(c.subnet());
    }
    ContainerConfig config = b.build();
    PodNetwork network =
        new PodNetwork(
            config.scope(),
            config.interfacePrefix(),
            c.subnet() == null ? "10.255.255.252/30" : c.subnet(),
            config.firewall(),
            0);
    Host host =
        new Host(
            vertx,
            workers,
            config,
            new OciRuntime(c.runtimeBinary(), config.runtimeRoot()),
            network,
            new Cgroups(config.cgroupParent()));
    ReconcileReport report = new Reconciler(host).run(java.util.Set.of());
    network.removeFence(); // its nftables table; its route too when the claim names the subnet
    host.cgroups().removeParentIfEmpty();
    return report.toString();
  }

  static boolean alive(Claim c) {
    return ProcessHandle.of(c.pid())
        .filter(ProcessHandle::isAlive)
        .map(h -> startMillis(h) <= c.startMillis() + 1_000)
        .orElse(false);
  }

  private static long startMillis(ProcessHandle h) {
    return h.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
  }

  private static boolean isTemp(Path p) {
    return p.getFileName().toString().startsWith(".");
  }

  static Optional<Claim> read(Path file) {
    Properties p = new Properties();
    try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(in);
      return Optional.of(
          new Claim(
              Long.parseLong(p.getProperty("pid")),
              Long.parseLong(p.getProperty("start")),
              require(p, "scope"),
              Path.of(require(p, "dataDir")),
              Path.of(require(p, "runtime")),
              Path.of(require(p, "runtimeRoot")),
              require(p, "interfacePrefix"),
              require(p, "cgroupParent"),
              Boolean.parseBoolean(p.getProperty("firewall")),
              p.getProperty("subnet")));
    } catch (IOException | RuntimeException e) {
      // Unreadable or not ours: left alone (only what a claim names is ever removed).
      return Optional.empty();
    }
  }

  private static String require(Properties p, String key) {
    String v = p.getProperty(key);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("no " + key);
    }
    return v;
  }
}
