package dev.skiff.node.container;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link ContainerBackend}. The scope names everything the backend creates on the
 * host (network namespaces {@code <scope>-<instance>}, the cgroup parent {@code /<scope>}, the
 * nftables table, the runtime state directory), so that two backends on one host never touch each
 * other's leftovers.
 */
public final class ContainerConfig {
  /** Template annotation that asks for a writable rootfs ({@code "true"}). */
  public static final String WRITABLE_ROOTFS_ANNOTATION = "container.skiff.dev/writable-rootfs";

  /**
   * Containers created ahead by default: 20 revisions cycling through zero (the cold-start bench)
   * all find theirs, and a full pool holds about 55 MiB (2.2 MiB private each, measured).
   */
  public static final int DEFAULT_PREPARED_CONTAINERS = 24;

  private final Path dataDir;
  private final Path runtime;
  private final Path runtimeRoot;
  private final String scope;
  private final String interfacePrefix;
  private final java.util.List<String> subnets;
  private final boolean subnetExplicit;
  private final String cgroupParent;
  private final Duration readinessTimeout;
  private final Duration probeInterval;
  private final long pidsLimit;
  private final long tmpSizeBytes;
  private final boolean readOnlyRootfs;
  private final boolean firewall;
  private final int networkSpares;
  private final long logFileBytes;
  private final int logFiles;
  private final Duration logRetention;
  private final int workerThreads;
  private final int preparedContainers;
  private final Path shim;

  private ContainerConfig(Builder b) {
    this.dataDir = Objects.requireNonNull(b.dataDir, "withDataDir is required").toAbsolutePath();
    this.runtime = b.runtime;
    this.scope = b.scope;
    this.runtimeRoot = b.runtimeRoot != null ? b.runtimeRoot : Path.of("/run", b.scope, "oci");
    this.interfacePrefix = b.interfacePrefix;
    this.subnets = b.subnets;
    this.subnetExplicit = b.subnetExplicit;
    this.cgroupParent = b.cgroupParent != null ? b.cgroupParent : "/" + b.scope;
    this.readinessTimeout = b.readinessTimeout;
    this.probeInterval = b.probeInterval;
    this.pidsLimit = b.pidsLimit;
    this.tmpSizeBytes = b.tmpSizeBytes;
    this.readOnlyRootfs = b.readOnlyRootfs;
    this.firewall = b.firewall;
    this.networkSpares = b.networkSpares;
    this.logFileBytes = b.logFileBytes;
    this.logFiles = b.logFiles;
    this.logRetention = b.logRetention;
    this.workerThreads = b.workerThreads;
    this.preparedContainers = b.preparedContainers;
    this.shim = b.shim;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Instance bundles live in {@code <dataDir>/containers/<instance>/}. */
  public Path dataDir() {
    return dataDir;
  }

  /** The runc or crun binary; null to find {@code runc}, then {@code crun}, on the PATH. */
  public Path runtime() {
    return runtime;
  }

  public Path runtimeRoot() {
    return runtimeRoot;
  }

  public String scope() {
    return scope;
  }

  public String interfacePrefix() {
    return interfacePrefix;
  }

  /**
   * The subnets instance addresses may come from, in order of preference: the backend takes the
   * first that overlaps no address or route of anything else on the host (see {@code
   * SubnetChoice}).
   */
  public java.util.List<String> subnets() {
    return subnets;
  }

  /** Whether the subnet was given by hand: then it is refused when in use, never moved. */
  public boolean subnetExplicit() {
    return subnetExplicit;
  }

  public String cgroupParent() {
    return cgroupParent;
  }

  public Duration readinessTimeout() {
    return readinessTimeout;
  }

  public Duration probeInterval() {
    return probeInterval;
  }

  public long pidsLimit() {
    return pidsLimit;
  }

  public long tmpSizeBytes() {
    return tmpSizeBytes;
  }

  public boolean readOnlyRootfs() {
    return readOnlyRootfs;
  }

  public boolean firewall() {
    return firewall;
  }

  public int networkSpares() {
    return networkSpares;
  }

  public long logFileBytes() {
    return logFileBytes;
  }

  public int logFiles() {
    return logFiles;
  }

  public Duration logRetention() {
    return logRetention;
  }

  public int workerThreads() {
    return workerThreads;
  }

  /** How many containers to keep created ahead for revisions at zero (one per revision). */
  public int preparedContainers() {
    return preparedContainers;
  }

  /** The shim binary; null for the one built into this module, extracted to the data dir. */
  public Path shim() {
    return shim;
  }

  /** Builds a {@link ContainerConfig}. */
  public static final class Builder {
    private Path dataDir;
    private Path runtime;
    private Path runtimeRoot;
    private String scope = "skiff";
    private String interfacePrefix = "skv";
    private java.util.List<String> subnets = java.util.List.of("10.88.0.0/16");
    private boolean subnetExplicit = true;
    private String cgroupParent;
    private Duration readinessTimeout = Duration.ofSeconds(60);
    private Duration probeInterval = Duration.ofMillis(50);
    private long pidsLimit = 1024;
    private long tmpSizeBytes = 64L << 20;
    private boolean readOnlyRootfs = true;
    private boolean firewall = true;
    private int networkSpares = 2;
    private long logFileBytes = 10L << 20;
    private int logFiles = 3;
    private Duration logRetention = Duration.ofDays(1);
    private int workerThreads = 4;
    private int preparedContainers = DEFAULT_PREPARED_CONTAINERS;
    private Path shim;

    private Builder() {}

    /** Required: where bundles and logs go. */
    public Builder withDataDir(Path dir) {
      this.dataDir = dir;
      return this;
    }

    /** The runc or crun binary; by default {@code runc}, then {@code crun}, from the PATH. */
    public Builder withRuntime(Path binary) {
      this.runtime = binary;
      return this;
    }

    /** The runtime's state directory ({@code --root}); default {@code /run/<scope>/oci}. */
    public Builder withRuntimeRoot(Path dir) {
      this.runtimeRoot = dir;
      return this;
    }

    /** Lower-case letters, digits and dashes, at most 30; default {@code skiff}. */
    public Builder withScope(String s) {
      if (!s.matches("[a-z][a-z0-9-]{0,29}")) {
        throw new IllegalArgumentException(
            "scope '"
                + s
                + "' must be lower-case letters, digits and dashes, starting with a letter, at most"
                + " 30");
      }
      this.scope = s;
      return this;
    }

    /** Prefix of the node-side veth names, at most 9 characters; default {@code skv}. */
    public Builder withInterfacePrefix(String p) {
      if (!p.matches("[a-z][a-z0-9]{0,8}")) {
        throw new IllegalArgumentException(
            "interface prefix '" + p + "' must be 1 to 9 lower-case letters and digits");
      }
      this.interfacePrefix = p;
      return this;
    }

    /**
     * The IPv4 subnet instance addresses come from, one /30 each; default {@code 10.88.0.0/16}. The
     * backend refuses to start when anything else on the host uses an address in it.
     */
    public Builder withSubnet(String cidr) {
      this.subnets = java.util.List.of(checkSubnet(cidr));
      this.subnetExplicit = true;
      return this;
    }

    /**
     * Subnets to choose from, in order of preference: the backend takes the first that nothing else
     * on the host uses, and fails naming what uses each when none is free.
     */
    public Builder withSubnetCandidates(java.util.List<String> cidrs) {
      if (cidrs.isEmpty()) {
        throw new IllegalArgumentException("subnet candidates must not be empty");
      }
      this.subnets = cidrs.stream().map(Builder::checkSubnet).toList();
      this.subnetExplicit = false;
      return this;
    }

    private static String checkSubnet(String cidr) {
      new dev.skiff.node.container.internal.AddressPool(cidr); // throws naming what is wrong
      return cidr;
    }

    /** The cgroup under which instance cgroups are made; default {@code /<scope>}. */
    public Builder withCgroupParent(String path) {
      if (!path.startsWith("/") || path.contains("..")) {
        throw new IllegalArgumentException("cgroup parent '" + path + "' must be an absolute path");
      }
      this.cgroupParent = path;
      return this;
    }

    /** How long a new instance may take to accept TCP connections on its port; default 60 s. */
    public Builder withReadinessTimeout(Duration d) {
      this.readinessTimeout = d;
      return this;
    }

    /**
     * The longest gap between readiness probes while an instance starts (default 50 ms, Knative's
     * period); the first probes come sooner (see StartProbeSchedule).
     */
    public Builder withProbeInterval(Duration d) {
      this.probeInterval = d;
      return this;
    }

    /** The most processes and threads per instance; default 1024. */
    public Builder withPidsLimit(long n) {
      this.pidsLimit = n;
      return this;
    }

    /** Size of each instance's {@code /tmp} tmpfs (counted against its memory); default 64 MiB. */
    public Builder withTmpSize(long bytes) {
      this.tmpSizeBytes = bytes;
      return this;
    }

    /**
     * Whether rootfs is read-only unless the template carries {@link #WRITABLE_ROOTFS_ANNOTATION};
     * default true.
     */
    public Builder withReadOnlyRootfs(boolean ro) {
      this.readOnlyRootfs = ro;
      return this;
    }

    /**
     * Whether to install the nftables rules that stop instances from opening connections to the
     * node over their link; default true. Needs {@code nft}.
     */
    public Builder withFirewall(boolean on) {
      this.firewall = on;
      return this;
    }

    /**
     * How many network namespaces with their veth pair to keep prepared ahead, so a start takes one
     * instead of making it (about 10 ms of {@code ip} commands); default 2, 0 for none. Each holds
     * an address of the subnet while it waits.
     */
    public Builder withNetworkSpares(int n) {
      if (n < 0 || n > 64) {
        throw new IllegalArgumentException("network spares " + n + " is not between 0 and 64");
      }
      this.networkSpares = n;
      return this;
    }

    /** Log rotation: size of one file and how many old ones to keep; default 10 MiB and 3. */
    public Builder withLogRotation(long fileBytes, int files) {
      this.logFileBytes = fileBytes;
      this.logFiles = files;
      return this;
    }

    /** How long the logs of ended instances stay on disk; default one day. */
    public Builder withLogRetention(Duration d) {
      this.logRetention = d;
      return this;
    }

    /** Threads for blocking work (mounts, runc, ip); default 4. */
    public Builder withWorkerThreads(int n) {
      this.workerThreads = n;
      return this;
    }

    /**
     * How many containers to keep created ahead ({@code runc create}) for revisions at zero, one
     * per revision, so a cold start only starts the workload; default {@value
     * #DEFAULT_PREPARED_CONTAINERS}, 0 for none. Each waiting one holds its runtime's init waiting
     * on its exec fifo (measured in skiffd: RSS 9.8-10.3 MiB, PSS 2.4-3.2 MiB, private dirty
     * 1.7-2.1 MiB: the rest is runc's text, shared), its shim (PSS 0.14 MiB), a network namespace
     * and an address.
     */
    public Builder withPreparedContainers(int n) {
      if (n < 0 || n > 256) {
        throw new IllegalArgumentException(
            "prepared containers " + n + " is not between 0 and 256");
      }
      this.preparedContainers = n;
      return this;
    }

    /** The shim binary to use instead of the built-in one (tests). */
    public Builder withShim(Path binary) {
      this.shim = binary;
      return this;
    }

    public ContainerConfig build() {
      return new ContainerConfig(this);
    }
  }
}
