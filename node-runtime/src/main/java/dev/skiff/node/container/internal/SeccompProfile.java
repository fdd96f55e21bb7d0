package dev.skiff.node.container.internal;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * Skiff's default seccomp profile: allow by default, deny the system calls a web workload never
 * needs and that widen the kernel's attack surface or reach outside the container. A deny list,
 * unlike Docker's allow list, keeps working for new, harmless calls; the capability set already
 * stops most of these for processes without privileges, so this is the second line.
 */
public final class SeccompProfile {
  private static final int EPERM = 1;
  private static final int ENOSYS = 38;
  private static final long CLONE_NEWUSER = 0x10000000L;

  /** Denied with EPERM, grouped by why. */
  public static final List<String> DENIED =
      List.of(
          // The kernel keyring is not namespaced.
          "add_key",
          "keyctl",
          "request_key",
          // Inspecting or writing other processes' memory.
          "ptrace",
          "process_vm_readv",
          "process_vm_writev",
          "kcmp",
          // Filesystem and namespace topology.
          "mount",
          "umount",
          "umount2",
          "pivot_root",
          "setns",
          "fsopen",
          "fsconfig",
          "fsmount",
          "fspick",
          "open_tree",
          "move_mount",
          "mount_setattr",
          "name_to_handle_at",
          "open_by_handle_at",
          // Kernel modules, kexec, reboot, swap.
          "init_module",
          "finit_module",
          "delete_module",
          "create_module",
          "query_module",
          "get_kernel_syms",
          "kexec_load",
          "kexec_file_load",
          "reboot",
          "swapon",
          "swapoff",
          // Tracing, profiling and BPF.
          "bpf",
          "perf_event_open",
          "lookup_dcookie",
          "userfaultfd",
          // io_uring bypasses seccomp for the operations it performs.
          "io_uring_setup",
          "io_uring_enter",
          "io_uring_register",
          // Host-wide settings: clocks, accounting, quotas, the kernel log, I/O ports.
          "settimeofday",
          "stime",
          "clock_settime",
          "clock_adjtime",
          "acct",
          "quotactl",
          "syslog",
          "ioperm",
          "iopl",
          "vm86",
          "vm86old",
          "nfsservctl",
          "_sysctl",
          "sysfs",
          "ustat",
          "uselib");

  private SeccompProfile() {}

  /** The profile as the OCI runtime spec's {@code linux.seccomp}, for the node's architecture. */
  public static JsonObject render() {
    JsonArray rules =
        new JsonArray()
            .add(
                new JsonObject()
                    .put("names", new JsonArray(DENIED))
                    .put("action", "SCMP_ACT_ERRNO")
                    .put("errnoRet", EPERM))
            // New user namespaces would hand the workload every capability inside them.
            .add(withArg0Flag("unshare", CLONE_NEWUSER))
            .add(withArg0Flag("clone", CLONE_NEWUSER))
            // clone3 hides its flags in memory seccomp cannot read; ENOSYS makes libc fall back to
            // clone.
            .add(
                new JsonObject()
                    .put("names", new JsonArray().add("clone3"))
                    .put("action", "SCMP_ACT_ERRNO")
                    .put("errnoRet", ENOSYS));
    return new JsonObject()
        .put("defaultAction", "SCMP_ACT_ALLOW")
        .put("architectures", architectures())
        .put("syscalls", rules);
  }

  private static JsonObject withArg0Flag(String name, long flag) {
    return new JsonObject()
        .put("names", new JsonArray().add(name))
        .put("action", "SCMP_ACT_ERRNO")
        .put("errnoRet", EPERM)
        .put(
            "args",
            new JsonArray()
                .add(
                    new JsonObject()
                        .put("index", 0)
                        .put("value", flag)
                        .put("valueTwo", flag)
                        .put("op", "SCMP_CMP_MASKED_EQ")));
  }

  // The native architecture and the compat ones its kernel also runs, so 32-bit calls are filtered
  // too.
  private static JsonArray architectures() {
    String arch = System.getProperty("os.arch");
    return switch (arch) {
      case "amd64", "x86_64" ->
          new JsonArray().add("SCMP_ARCH_X86_64").add("SCMP_ARCH_X86").add("SCMP_ARCH_X32");
      case "aarch64", "arm64" -> new JsonArray().add("SCMP_ARCH_AARCH64").add("SCMP_ARCH_ARM");
      default -> new JsonArray();
    };
  }
}
