package dev.skiff.node.container.internal;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the OCI runtime spec ({@code config.json}) of one instance, hardened the way Docker's
 * defaults are: Docker's capability set, no new privileges, a seccomp profile, masked and read-only
 * kernel paths, its own pid, ipc, uts, mount, cgroup and (pre-made) network namespaces, and cgroup
 * limits.
 */
public final class OciSpec {
  /** Docker's default capability set. */
  public static final List<String> CAPABILITIES =
      List.of(
          "CAP_CHOWN",
          "CAP_DAC_OVERRIDE",
          "CAP_FSETID",
          "CAP_FOWNER",
          "CAP_MKNOD",
          "CAP_NET_RAW",
          "CAP_SETGID",
          "CAP_SETUID",
          "CAP_SETFCAP",
          "CAP_SETPCAP",
          "CAP_NET_BIND_SERVICE",
          "CAP_SYS_CHROOT",
          "CAP_KILL",
          "CAP_AUDIT_WRITE");

  public static final List<String> MASKED_PATHS =
      List.of(
          "/proc/asound",
          "/proc/acpi",
          "/proc/kcore",
          "/proc/keys",
          "/proc/latency_stats",
          "/proc/timer_list",
          "/proc/timer_stats",
          "/proc/sched_debug",
          "/proc/scsi",
          "/sys/firmware",
          "/sys/devices/virtual/powercap");

  public static final List<String> READONLY_PATHS =
      List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

  private static final long CPU_PERIOD_US = 100_000;
  // Servers want many descriptors; the agent's own hard limit is as high as runc may go without
  // CAP_SYS_RESOURCE.
  private static final long NOFILE = Math.min(1L << 20, agentOpenFilesLimit());

  /**
   * Everything that varies between instances.
   *
   * @param args the process's argv
   * @param env {@code NAME=value} entries
   * @param cwd absolute working directory
   * @param user who the process runs as
   * @param readOnlyRootfs whether the rootfs is mounted read-only
   * @param hostname the uts namespace's host name
   * @param netnsPath the network namespace to join
   * @param cgroupsPath the cgroup, absolute
   * @param memoryBytes memory limit, or null for none
   * @param swapAccounting whether the host accounts swap, so swap can be capped at zero
   * @param cpuMillis cpu limit in millicores, or null for none
   * @param pidsLimit the most processes and threads
   * @param tmpBytes size of the {@code /tmp} tmpfs
   * @param hostsFile a file bind-mounted read-only at {@code /etc/hosts}
   * @param resolvConf a file bind-mounted read-only at {@code /etc/resolv.conf}
   * @param annotations OCI annotations
   */
  public record Params(
      List<String> args,
      List<String> env,
      String cwd,
      ImageUser user,
      boolean readOnlyRootfs,
      String hostname,
      Path netnsPath,
      String cgroupsPath,
      Long memoryBytes,
      boolean swapAccounting,
      Long cpuMillis,
      long pidsLimit,
      long tmpBytes,
      Path hostsFile,
      Path resolvConf,
      Map<String, String> annotations) {}

  private OciSpec() {}

  public static JsonObject render(Params p) {
    JsonArray caps = new JsonArray(CAPABILITIES);
    JsonObject process =
        new JsonObject()
            .put("terminal", false)
            .put(
                "user",
                new JsonObject()
                    .put("uid", p.user().uid())
                    .put("gid", p.user().gid())
                    .put("additionalGids", new JsonArray(p.user().additionalGids())))
            .put("args", new JsonArray(p.args()))
            .put("env", new JsonArray(p.env()))
            .put("cwd", p.cwd())
            // Inheritable and ambient stay empty (CVE-2022-24769); a non-root user loses the rest
            // at exec.
            .put(
                "capabilities",
                new JsonObject()
                    .put("bounding", caps)
                    .put("effective", caps)
                    .put("permitted", caps))
            .put(
                "rlimits",
                new JsonArray()
                    .add(
                        new JsonObject()
                            .put("type", "RLIMIT_NOFILE")
                            .put("hard", NOFILE)
                            .put("soft", NOFILE)))
            .put("noNewPrivileges", true)
            // Under node-wide memory pressure the kernel should pick a workload before the agent.
            .put("oomScoreAdj", 900);

    JsonArray namespaces =
        new JsonArray()
            .add(ns("pid"))
            .add(ns("ipc"))
            .add(ns("uts"))
            .add(ns("mount"))
            .add(new JsonObject().put("type", "network").put("path", p.netnsPath().toString()));
    if (Files.exists(Path.of("/proc/self/ns/cgroup"))) {
      namespaces.add(ns("cgroup"));
    }

    JsonObject resources =
        new JsonObject()
            .put(
                "devices",
                new JsonArray().add(new JsonObject().put("allow", false).put("access", "rwm")))
            .put("pids", new JsonObject().put("limit", p.pidsLimit()));
    if (p.memoryBytes() != null) {
      JsonObject memory = new JsonObject().put("limit", p.memoryBytes());
      if (p.swapAccounting()) {
        // memory.swap is memory plus swap: equal to the limit means no swap at all.
        memory.put("swap", p.memoryBytes());
      }
      resources.put("memory", memory);
    }
    if (p.cpuMillis() != null) {
      resources.put(
          "cpu",
          new JsonObject()
              .put("quota", Math.max(1000, p.cpuMillis() * CPU_PERIOD_US / 1000))
              .put("period", CPU_PERIOD_US)
              .put("shares", Math.max(2, p.cpuMillis() * 1024 / 1000)));
    }

    JsonObject linux =
        new JsonObject()
            .put("namespaces", namespaces)
            .put("cgroupsPath", p.cgroupsPath())
            .put("resources", resources)
            .put("maskedPaths", new JsonArray(MASKED_PATHS))
            .put("readonlyPaths", new JsonArray(READONLY_PATHS))
            .put("seccomp", SeccompProfile.render());
    if (Files.exists(Path.of("/proc/sys/net/ipv4/ip_unprivileged_port_start"))) {
      // As Docker does: any user may listen on $PORT, even below 1024, inside its own namespace.
      linux.put("sysctl", new JsonObject().put("net.ipv4.ip_unprivileged_port_start", "0"));
    }

    return new JsonObject()
        .put("ociVersion", "1.0.2")
        .put("process", process)
        .put("root", new JsonObject().put("path", "rootfs").put("readonly", p.readOnlyRootfs()))
        .put("hostname", p.hostname())
        .put("mounts", mounts(p))
        .put("linux", linux)
        .put("annotations", new JsonObject(new LinkedHashMap<String, Object>(p.annotations())));
  }

  private static JsonArray mounts(Params p) {
    return new JsonArray()
        .add(mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")))
        .add(
            mount(
                "/dev",
                "tmpfs",
                "tmpfs",
                List.of("nosuid", "strictatime", "mode=755", "size=65536k")))
        .add(
            mount(
                "/dev/pts",
                "devpts",
                "devpts",
                List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")))
        .add(
            mount(
                "/dev/shm",
                "tmpfs",
                "shm",
                List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")))
        .add(mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")))
        .add(mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")))
        .add(
            mount(
                "/sys/fs/cgroup",
                "cgroup",
                "cgroup",
                List.of("nosuid", "noexec", "nodev", "relatime", "ro")))
        // Knative's runtime contract: /tmp is writable even when the rootfs is not.
        .add(
            mount(
                "/tmp",
                "tmpfs",
                "tmpfs",
                List.of("nosuid", "nodev", "mode=1777", "size=" + p.tmpBytes())))
        .add(
            mount(
                "/etc/hosts",
                "bind",
                p.hostsFile().toString(),
                List.of("rbind", "ro", "nosuid", "nodev", "noexec")))
        // The node's name service for this instance, or none: never the host's own resolver.
        .add(
            mount(
                "/etc/resolv.conf",
                "bind",
                p.resolvConf().toString(),
                List.of("rbind", "ro", "nosuid", "nodev", "noexec")));
  }

  private static JsonObject mount(String dest, String type, String source, List<String> options) {
    return new JsonObject()
        .put("destination", dest)
        .put("type", type)
        .put("source", source)
        .put("options", new JsonArray(options));
  }

  private static long agentOpenFilesLimit() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          String hard = line.substring("Max open files".length()).trim().split("\\s+")[1];
          return hard.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(hard);
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // Fall through to the POSIX minimum.
    }
    return 1024;
  }

  private static JsonObject ns(String type) {
    return new JsonObject().put("type", type);
  }
}
