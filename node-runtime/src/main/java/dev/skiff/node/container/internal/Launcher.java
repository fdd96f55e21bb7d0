package dev.skiff.node.container.internal;

import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.node.InstanceStartException;
import dev.skiff.node.container.ContainerConfig;
import dev.skiff.node.container.ContainerImage;
import dev.skiff.node.container.ContainerRuntimeException;
import dev.skiff.node.container.OutboundDoor;
import dev.skiff.node.spi.InstanceSpec;
import io.vertx.core.Context;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Sets up one instance on the host and starts its runtime process: bundle directory, overlay
 * rootfs, user, network namespace, {@code config.json}, then {@code runc run}. Each step registers
 * its undo, so a failure part way leaves nothing behind. Blocking; runs on a worker.
 */
public final class Launcher {
  private static final String DEFAULT_PATH =
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  /** Limits parsed from the template's resources. */
  public record Limits(Long memoryBytes, Long cpuMillis) {}

  private static final long DOOR_PATIENCE_SECONDS = 10;

  private final Host host;
  private final OutboundDoor door;
  private final boolean swapAccounting;

  /**
   * @param door opens each instance's name service and outbound listener; null for none
   */
  public Launcher(Host host, OutboundDoor door) {
    this.host = host;
    this.door = door;
    this.swapAccounting = Cgroups.unifiedOnly() || Cgroups.v1SwapAccounting();
  }

  public RunningContainer launch(
      Context context,
      InstanceSpec spec,
      String key,
      ContainerImage image,
      Limits limits,
      StartClock clock,
      ExecWatch execWatch) {
    Teardown teardown = new Teardown();
    try {
      Setup setup = setUp(spec, key, spec.id(), image, limits, clock, teardown, true);
      Bundle bundle = setup.bundle();
      // Registered before the start: the runtime may have created the cgroup and state when it
      // fails.
      teardown.add("cgroup", () -> host.cgroups().remove(key, java.time.Duration.ofSeconds(5)));
      teardown.add("runtime container", () -> host.runtime().delete(key));
      Files.createDirectories(host.runtime().root());
      // Watched before the start, so the exec is seen however fast it comes; the teardown ends
      // the watch (completing it) when the start fails.
      java.util.concurrent.CompletableFuture<Void> execd = watch(execWatch, key, teardown);
      Process process =
          new ProcessBuilder(host.runtime().runCommand(bundle.dir(), key))
              .directory(bundle.dir().toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
      // Runtime process started (the JDK's launch through jspawnhelper): runc runs from here on.
      clock.lap("spawn");
      return running(
          context,
          spec,
          key,
          image,
          setup.net(),
          bundle,
          process,
          teardown,
          clock,
          execd,
          execWatch != null);
    } catch (IOException | RuntimeException e) {
      throw failed(key, teardown, e);
    }
  }

  /**
   * Creates a container for {@code spec}'s revision ahead of any request: the same set-up as {@link
   * #launch}, then {@code runc create} under the shim, which stays the container's parent. Returns
   * once the runtime has created it (its init waits on the exec fifo); the workload runs only after
   * {@link #wake}. {@code spec}'s id is not an instance's: the container's labels name the key.
   */
  public Prepared prepare(
      InstanceSpec spec, String key, ContainerImage image, Limits limits, Path shim) {
    Teardown teardown = new Teardown();
    try {
      Setup setup = setUp(spec, key, key, image, limits, StartClock.start(), teardown, false);
      Bundle bundle = setup.bundle();
      // Undone newest first: the runtime's delete kills the container's init, then the shim,
      // which exits with it, is awaited, then the cgroup goes.
      teardown.add("cgroup", () -> host.cgroups().remove(key, java.time.Duration.ofSeconds(5)));
      java.util.concurrent.atomic.AtomicReference<Process> shimProcess =
          new java.util.concurrent.atomic.AtomicReference<>();
      teardown.add("shim", () -> ShimLine.awaitEnd(shimProcess.get()));
      teardown.add("runtime container", () -> host.runtime().delete(key));
      Files.createDirectories(host.runtime().root());
      shimProcess.set(
          new ProcessBuilder(
                  shim.toString(),
                  host.runtime().binary().toString(),
                  host.runtime().root().toString(),
                  bundle.dir().toString(),
                  key)
              .directory(bundle.dir().toFile())
              .start());
      ShimLine.awaitCreated(shimProcess.get(), key);
      return new Prepared(
          key,
          setup.net(),
          bundle,
          setup.user(),
          setup.config(),
          image,
          shimProcess.get(),
          teardown);
    } catch (IOException | RuntimeException e) {
      throw failed(key, teardown, e);
    }
  }

  /**
   * The configuration the normal path would give {@code spec}'s instance in the prepared
   * container's place (its key, network and user): a prepared container whose own differs was made
   * for something else and must not serve.
   */
  public String configFor(InstanceSpec spec, Prepared p, Limits limits) {
    return OciSpec.render(
            params(spec, p.key(), p.key(), p.image(), limits, p.user(), p.net(), p.bundle()))
        .encodePrettily();
  }

  /**
   * Starts the workload of a prepared container as {@code spec}'s instance: opens its way out,
   * tells the shim to start it, and pumps its output from here on.
   */
  public RunningContainer wake(
      Context context, InstanceSpec spec, Prepared p, StartClock clock, ExecWatch execWatch) {
    Teardown teardown = p.teardown();
    String key = p.key();
    try {
      io.vertx.core.Future<OutboundDoor.Opened> opening = openDoor(spec, p.net(), teardown);
      if (opening != null) {
        await(opening, "open the outbound listener");
        clock.lap("outbound");
      }
      java.util.concurrent.CompletableFuture<Void> execd = watch(execWatch, key, teardown);
      ShimLine.start(p.process());
      clock.lap("spawn");
      return running(
          context,
          spec,
          key,
          p.image(),
          p.net(),
          p.bundle(),
          p.process(),
          teardown,
          clock,
          execd,
          execWatch != null);
    } catch (IOException | RuntimeException e) {
      throw failed(key, teardown, e);
    }
  }

  private static java.util.concurrent.CompletableFuture<Void> watch(
      ExecWatch execWatch, String key, Teardown teardown) {
    if (execWatch == null) {
      return java.util.concurrent.CompletableFuture.completedFuture(null);
    }
    java.util.concurrent.CompletableFuture<Void> execd = execWatch.started(key);
    teardown.add("exec watch", () -> execWatch.forget(key));
    return execd;
  }

  private RunningContainer running(
      Context context,
      InstanceSpec spec,
      String key,
      ContainerImage image,
      PodNetwork.Attachment net,
      Bundle bundle,
      Process process,
      Teardown teardown,
      StartClock clock,
      java.util.concurrent.CompletableFuture<Void> execd,
      boolean execWatched)
      throws IOException {
    ContainerConfig cfg = host.config();
    LogPump out =
        LogPump.start(
            process.getInputStream(),
            "stdout",
            spec.logs(),
            new RotatingLog(bundle.logs(), "stdout", cfg.logFileBytes(), cfg.logFiles()));
    LogPump err =
        LogPump.start(
            process.getErrorStream(),
            "stderr",
            spec.logs(),
            new RotatingLog(bundle.logs(), "stderr", cfg.logFileBytes(), cfg.logFiles()));
    // Log files opened and their pump threads started, beside runc's own start.
    clock.lap("logs");
    RevisionTemplate t = spec.template();
    return new RunningContainer(
        host,
        context,
        spec.id(),
        key,
        net.podAddress(),
        t.portOrDefault(),
        t.h2c(),
        bundle,
        process,
        out,
        err,
        teardown,
        image.digest(),
        execd,
        execWatched);
  }

  private static InstanceStartException failed(String key, Teardown teardown, Exception e) {
    List<String> failures = teardown.run();
    InstanceStartException ise =
        e instanceof InstanceStartException x
            ? x
            : new InstanceStartException(
                "ContainerSetupFailed",
                "cannot set up container " + key + ": " + e.getMessage(),
                e);
    failures.forEach(f -> ise.addSuppressed(new IllegalStateException("cleanup: " + f)));
    return ise;
  }

  /** What {@link #setUp} made: the bundle with its config written, the network, the user. */
  private record Setup(Bundle bundle, PodNetwork.Attachment net, ImageUser user, String config) {}

  /**
   * Bundle directory, overlay rootfs, user, network namespace, hosts and resolv.conf, {@code
   * config.json}; each step's undo registered on {@code teardown}. With {@code door}, the
   * instance's way out opens meanwhile and is awaited before this returns.
   */
  private Setup setUp(
      InstanceSpec spec,
      String key,
      String instanceLabel,
      ContainerImage image,
      Limits limits,
      StartClock clock,
      Teardown teardown,
      boolean door)
      throws IOException {
    command(image);
    workingDir(image);
    Bundle bundle = new Bundle(host.config().dataDir(), key);
    bundle.create();
    teardown.add("bundle", bundle::deleteExceptLogs);
    clock.lap("bundle");

    List<Path> layers = image.layers().isEmpty() ? List.of(bundle.emptyLayer()) : image.layers();
    Overlay.mount(layers, bundle.upper(), bundle.work(), bundle.rootfs());
    teardown.add("rootfs mount", () -> Overlay.unmount(bundle.rootfs()));
    clock.lap("rootfs");
    ImageUser user = ImageUser.resolve(image.user(), bundle.rootfs());
    clock.lap("user");

    PodNetwork.Attachment net = host.network().attach(key);
    // Removed between starts: removing a namespace beside a start slows the start.
    teardown.add("network", () -> host.network().release(net));
    clock.lap("network");
    // Opens while the config is written; awaited before the process starts.
    io.vertx.core.Future<OutboundDoor.Opened> opening = door ? openDoor(spec, net, teardown) : null;
    Files.writeString(
        bundle.resolvConf(), resolvConf(this.door == null ? null : net.hostAddress()));
    Files.writeString(
        bundle.hosts(),
        "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
            + net.podAddress()
            + "\t"
            + hostname(key)
            + "\n");
    String config =
        OciSpec.render(params(spec, key, instanceLabel, image, limits, user, net, bundle))
            .encodePrettily();
    Files.writeString(bundle.config(), config);
    clock.lap("config");
    if (opening != null) {
      await(opening, "open the outbound listener");
      clock.lap("outbound");
    }
    return new Setup(bundle, net, user, config);
  }

  private static List<String> command(ContainerImage image) {
    List<String> args = new ArrayList<>(image.entrypoint());
    args.addAll(image.cmd());
    if (args.isEmpty()) {
      throw new InstanceStartException(
          "InvalidImage",
          "image " + image.reference() + " has neither Entrypoint nor Cmd; set one in the image",
          null);
    }
    return args;
  }

  private static String workingDir(ContainerImage image) {
    String cwd =
        image.workingDir() == null || image.workingDir().isEmpty() ? "/" : image.workingDir();
    if (!cwd.startsWith("/")) {
      throw new InstanceStartException(
          "InvalidImage",
          "image " + image.reference() + " has a relative WorkingDir '" + cwd + "'",
          null);
    }
    return cwd;
  }

  private OciSpec.Params params(
      InstanceSpec spec,
      String key,
      String instanceLabel,
      ContainerImage image,
      Limits limits,
      ImageUser user,
      PodNetwork.Attachment net,
      Bundle bundle) {
    ContainerConfig cfg = host.config();
    List<String> args = command(image);
    String cwd = workingDir(image);
    String hostname = hostname(key);
    RevisionTemplate t = spec.template();
    boolean writable =
        "true".equalsIgnoreCase(t.annotations().get(ContainerConfig.WRITABLE_ROOTFS_ANNOTATION));
    return new OciSpec.Params(
        args,
        env(spec, image, user, hostname),
        cwd,
        user,
        cfg.readOnlyRootfs() && !writable,
        hostname,
        net.netnsPath(),
        host.cgroups().pathFor(key),
        limits.memoryBytes(),
        swapAccounting,
        limits.cpuMillis(),
        cfg.pidsLimit(),
        cfg.tmpSizeBytes(),
        bundle.hosts(),
        bundle.resolvConf(),
        Map.of(
            "dev.skiff.instance",
            instanceLabel,
            "dev.skiff.revision",
            spec.namespace() + "/" + spec.revisionName(),
            "dev.skiff.image",
            image.reference()));
  }

  /**
   * Starts opening the instance's way out on its link, so its first call finds the name service
   * listening once its process starts; the teardown closes it whenever it opens. Null without a
   * door.
   */
  private io.vertx.core.Future<OutboundDoor.Opened> openDoor(
      InstanceSpec spec, PodNetwork.Attachment net, Teardown teardown) {
    if (door == null) {
      return null;
    }
    io.vertx.core.Future<OutboundDoor.Opened> opening =
        door.open(spec, net.hostAddress(), net.podAddress());
    teardown.add(
        "outbound listener",
        () -> {
          OutboundDoor.Opened opened;
          try {
            opened = await(opening, "open the outbound listener");
          } catch (ContainerRuntimeException notOpened) {
            return; // nothing to close
          }
          await(opened.close(), "close the outbound listener");
        });
    return opening;
  }

  private static <T> T await(io.vertx.core.Future<T> future, String what) {
    try {
      return future
          .toCompletionStage()
          .toCompletableFuture()
          .get(DOOR_PATIENCE_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new ContainerRuntimeException(
          "cannot " + what + ": " + e.getCause().getMessage(), e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new ContainerRuntimeException(
          "cannot " + what + " within " + DOOR_PATIENCE_SECONDS + " s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerRuntimeException("interrupted while waiting to " + what, e);
    }
  }

  /**
   * The instance's {@code /etc/resolv.conf}: the node's end of its own link as its only nameserver,
   * or no nameserver at all (names then resolve from {@code /etc/hosts} only). Never the node's own
   * resolver: an instance learns nothing of the node's network.
   */
  public static String resolvConf(String nameserver) {
    if (nameserver == null) {
      return "# skiff: no name service for this instance (calls by name need the mesh)\n";
    }
    return "# skiff: services of the mesh by name, http://{service}.{namespace}/\n"
        + "nameserver "
        + nameserver
        + "\n"
        + "options ndots:1 timeout:2 attempts:2\n";
  }

  /** Image env, then the service's, then the platform's (Knative's runtime contract). */
  public static List<String> env(
      InstanceSpec spec, ContainerImage image, ImageUser user, String hostname) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PATH", DEFAULT_PATH);
    env.put("HOSTNAME", hostname);
    for (String e : image.env()) {
      int eq = e.indexOf('=');
      if (eq > 0) {
        env.put(e.substring(0, eq), e.substring(eq + 1));
      }
    }
    env.putIfAbsent("HOME", user.home());
    env.putAll(spec.template().env());
    env.put("PORT", Integer.toString(spec.template().portOrDefault()));
    env.put("K_SERVICE", spec.serviceName());
    env.put("K_REVISION", spec.revisionName());
    env.put("K_CONFIGURATION", spec.serviceName());
    List<String> out = new ArrayList<>();
    env.forEach((k, v) -> out.add(k + "=" + v));
    return out;
  }

  /** A DNS label from the instance key. */
  public static String hostname(String key) {
    String h = key.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    if (h.length() > 63) {
      h = h.substring(0, 63);
    }
    h = h.replaceAll("^-+|-+$", "");
    return h.isEmpty() ? "instance" : h;
  }
}
