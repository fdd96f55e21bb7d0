package dev.skiff.node.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.Resources;
import dev.skiff.node.InstanceStartException;
import dev.skiff.node.container.internal.Commands;
import dev.skiff.testing.Prerequisites;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The container backend against real runc, namespaces, cgroups and nftables. */
class ContainerBackendIT extends ContainerFixture {
  private static final String SERVE = "exec httpd -f -p $PORT -h /www";

  @Test
  void servesHttpAtItsPodAddressWithTheContractEnvironment() throws Exception {
    backend(TestImages.shell(dir, "exec httpd -f -vv -p $PORT -h /www"));
    CollectingSink logs = new CollectingSink();
    ContainerInstance inst =
        (ContainerInstance) await(backend.start(TestRevisions.spec("default.hello-00001.1", logs)));

    assertEquals(8080, inst.port());
    assertTrue(inst.host().matches("10\\.\\d+\\.\\d+\\.\\d+"), inst.host());
    HttpResponse<String> env = get(inst.host(), inst.port(), "/cgi-bin/env");
    assertEquals(200, env.statusCode(), logs.lines.toString());
    for (String expected :
        List.of(
            "K_REVISION=hello-00001",
            "K_SERVICE=hello",
            "K_CONFIGURATION=hello",
            "PORT=8080",
            "GREETING=hello from the service",
            "IMAGE_GREETING=hello from the image")) {
      assertTrue(env.body().contains(expected), "missing " + expected + " in\n" + env.body());
    }
    // The top layer's file wins over the base layer's.
    assertEquals("from the top layer\n", get(inst.host(), inst.port(), "/").body());

    await(inst.stop(Duration.ofSeconds(5)));
    assertTrue(inst.exited().result().requested());
    // Its address no longer leads anywhere, in particular not off the node by the default route.
    try (Socket s = new Socket()) {
      assertThrows(
          java.io.IOException.class,
          () -> s.connect(new InetSocketAddress(inst.host(), 8080), 2000));
    }
  }

  @Test
  void isolatesProcessesFilesystemAndPrivileges() throws Exception {
    backend(
        TestImages.shell(
            dir,
            String.join(
                "\n",
                "ps -o pid,comm",
                "echo \"PROCS $(ls /proc | grep -c '^[0-9]')\"",
                "touch /etc/probe 2>/dev/null && echo ROOTFS_WRITABLE || echo ROOTFS_READONLY",
                "touch /tmp/probe && echo TMP_WRITABLE",
                "unshare -U true 2>/dev/null && echo USERNS_ALLOWED || echo USERNS_DENIED",
                "mkdir -p /tmp/m && mount -t tmpfs none /tmp/m 2>/dev/null && echo MOUNT_ALLOWED ||"
                    + " echo MOUNT_DENIED",
                "echo \"TIMER_LIST $(wc -c < /proc/timer_list)\"",
                "echo \"FIRMWARE $(ls /sys/firmware | wc -l)\"",
                "(echo 1 > /proc/sys/net/ipv4/ip_forward) 2>/dev/null && echo PROCSYS_WRITABLE ||"
                    + " echo PROCSYS_READONLY",
                "echo \"HOSTNAME $(hostname)\"",
                "echo DONE",
                SERVE)));
    CollectingSink logs = new CollectingSink();
    ContainerInstance inst =
        (ContainerInstance) await(backend.start(TestRevisions.spec("default.hello-00001.2", logs)));
    logs.await("DONE");

    List<String> ps = logs.lines.stream().takeWhile(l -> !l.startsWith("stdout: PROCS")).toList();
    assertTrue(
        ps.stream().anyMatch(l -> l.matches("stdout: +1 +sh")), "pid 1 is the entrypoint: " + ps);
    assertFalse(ps.stream().anyMatch(l -> l.contains("java")), "sees the node's processes: " + ps);
    int procs = Integer.parseInt(logs.await("PROCS").replaceAll("\\D", ""));
    assertTrue(procs <= 4, "/proc shows " + procs + " processes: " + logs.lines);
    assertTrue(logs.lines.contains("stdout: ROOTFS_READONLY"), logs.lines.toString());
    assertTrue(logs.lines.contains("stdout: TMP_WRITABLE"), logs.lines.toString());
    assertTrue(logs.lines.contains("stdout: USERNS_DENIED"), logs.lines.toString());
    assertTrue(logs.lines.contains("stdout: MOUNT_DENIED"), logs.lines.toString());
    // Masked and read-only kernel paths.
    assertTrue(logs.lines.contains("stdout: TIMER_LIST 0"), logs.lines.toString());
    assertTrue(logs.lines.contains("stdout: FIRMWARE 0"), logs.lines.toString());
    assertTrue(logs.lines.contains("stdout: PROCSYS_READONLY"), logs.lines.toString());
    assertTrue(
        logs.lines.contains("stdout: HOSTNAME default-hello-00001-2"), logs.lines.toString());
    // The same lines went to the rotating file.
    assertTrue(
        Files.readString(inst.logDirectory().resolve("stdout.log")).contains("TMP_WRITABLE"));
  }

  @Test
  void rootfsIsWritableWhenTheTemplateAsks() throws Exception {
    backend(TestImages.shell(dir, "touch /etc/probe && echo ROOTFS_WRITABLE; " + SERVE));
    CollectingSink logs = new CollectingSink();
    await(
        backend.start(
            TestRevisions.spec(
                "default.hello-00001.3",
                "test/busybox:latest",
                Map.of(),
                null,
                Map.of(ContainerConfig.WRITABLE_ROOTFS_ANNOTATION, "true"),
                logs)));
    logs.await("ROOTFS_WRITABLE");
  }

  @Test
  void cannotReachTheNodesLoopbackNorItsOtherAddresses() throws Exception {
    try (ServerSocket loopback = new ServerSocket();
        ServerSocket wildcard = new ServerSocket()) {
      loopback.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      wildcard.bind(new InetSocketAddress(0));
      AtomicInteger accepted = new AtomicInteger();
      acceptForever(loopback, accepted);
      acceptForever(wildcard, accepted);
      String nodeIp = nodeAddress();

      backend(
          TestImages.shell(
              dir,
              String.join(
                  "\n",
                  "me=$(ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1)",
                  "gw=${me%.*}.$((${me##*.} - 1))",
                  "try() { if echo hi | nc -w 2 $1 $2 >/dev/null 2>&1; then echo \"REACHED $3\";"
                      + " else echo \"BLOCKED $3\"; fi; }",
                  "nc -l -p 7000 -e echo own &",
                  "sleep 0.2",
                  "try 127.0.0.1 7000 own-loopback",
                  "try 127.0.0.1 $LO_PORT node-loopback",
                  "try $gw $ANY_PORT node-link-address",
                  "try $NODE_IP $ANY_PORT node-address",
                  "echo DONE",
                  SERVE)));
      // A namespace from the pool, made before the instance was known, fences it off too.
      awaitFullPool();
      List<String> pooled = backend.spareNetwork();
      CollectingSink logs = new CollectingSink();
      ContainerInstance inst =
          (ContainerInstance)
              await(
                  backend.start(
                      TestRevisions.spec(
                          "default.hello-00001.4",
                          "test/busybox:latest",
                          Map.of(
                              "LO_PORT",
                              "" + loopback.getLocalPort(),
                              "ANY_PORT",
                              "" + wildcard.getLocalPort(),
                              "NODE_IP",
                              nodeIp),
                          null,
                          Map.of(),
                          logs)));
      logs.await("DONE");

      // The probe method works: its own loopback answers.
      assertTrue(logs.lines.contains("stdout: REACHED own-loopback"), logs.lines.toString());
      assertTrue(logs.lines.contains("stdout: BLOCKED node-loopback"), logs.lines.toString());
      assertTrue(logs.lines.contains("stdout: BLOCKED node-link-address"), logs.lines.toString());
      assertTrue(logs.lines.contains("stdout: BLOCKED node-address"), logs.lines.toString());
      assertEquals(0, accepted.get(), "a node server accepted a connection from the container");
      // ...while the node reaches the instance.
      assertEquals(200, get(inst.host(), inst.port(), "/").statusCode());
      assertTrue(
          pooled.stream()
              .filter(l -> l.startsWith("netns "))
              .anyMatch(
                  l ->
                      Commands.run(
                              List.of(
                                  "ip", "-n", l.substring(6), "-4", "-o", "addr", "show", "eth0"))
                          .stdout()
                          .contains(" " + inst.host() + "/")),
          inst.host() + " is in none of the pooled namespaces " + pooled);
    }
  }

  @Test
  void oomKillIsReportedAndTheNodeCarriesOn() throws Exception {
    backend(
        TestImages.shell(
            dir, "httpd -f -p $PORT -h /www & sleep 1; x=0123456789; while :; do x=$x$x; done"));
    CollectingSink logs = new CollectingSink();
    ContainerInstance inst =
        (ContainerInstance)
            await(
                backend.start(
                    TestRevisions.spec(
                        "default.hello-00001.5",
                        "test/busybox:latest",
                        Map.of(),
                        new Resources("32Mi", "500m"),
                        Map.of(),
                        logs)));

    ContainerExit exit = await(inst.exited());
    assertTrue(exit.oomKilled(), "not reported as OOM: " + exit);
    assertEquals("OOMKilled", exit.reason());
    assertEquals(9, exit.signal());
    assertFalse(exit.requested());
    Leftovers.assertNone(backend, config, null, Duration.ofSeconds(10));

    ContainerInstance next =
        (ContainerInstance) await(backend.start(TestRevisions.spec("default.hello-00001.6", logs)));
    assertEquals(200, get(next.host(), next.port(), "/").statusCode());
  }

  @Test
  void stopLetsTheTermHandlerFinishWithinTheDrain() throws Exception {
    backend(
        TestImages.shell(
            dir,
            "trap 'echo draining; sleep 1; echo drained; exit 0' TERM; httpd -f -p $PORT -h /www &"
                + " wait"));
    CollectingSink logs = new CollectingSink();
    ContainerInstance inst =
        (ContainerInstance) await(backend.start(TestRevisions.spec("default.hello-00001.7", logs)));

    long t0 = System.nanoTime();
    await(inst.stop(Duration.ofSeconds(10)));
    Duration took = Duration.ofNanos(System.nanoTime() - t0);

    assertTrue(took.toMillis() >= 1000 && took.toMillis() < 8000, "stop took " + took);
    assertTrue(logs.lines.contains("stdout: drained"), logs.lines.toString());
    ContainerExit exit = inst.exited().result();
    assertEquals(0, exit.exitCode(), exit.toString());
    assertTrue(exit.requested());
    // The container created ahead once the instance was ready is the backend's, not a leftover;
    // one still being created is waited for.
    Leftovers.assertNone(backend, config, null, Duration.ofSeconds(10));
  }

  @Test
  void aStartTakesAPreparedNamespaceAndThePoolRefills() throws Exception {
    // No container created ahead: its namespace would come from the same spares, and the counts
    // and the pool's refill here are the start's alone.
    ContainerImage image = TestImages.shell(dir, SERVE);
    backend(ref -> Future.succeededFuture(image), b -> b.withPreparedContainers(0));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    backend.bindTo(meters);
    List<String> before = awaitFullPool();
    assertEquals(2.0, meters.get("skiff.node.container.network.spares").gauge().value());

    ContainerInstance inst =
        (ContainerInstance)
            await(backend.start(TestRevisions.spec("default.hello-00001.22", (s, l) -> {})));
    assertEquals(200, get(inst.host(), inst.port(), "/").statusCode());
    assertEquals(
        1.0, meters.get("skiff.node.container.network.spares.taken").functionCounter().count());
    assertEquals(
        0.0, meters.get("skiff.node.container.network.spares.missed").functionCounter().count());
    // The instance runs in a namespace that was waiting in the pool, made before it was asked for.
    String own =
        before.stream()
            .filter(l -> l.startsWith("netns "))
            .map(l -> l.substring("netns ".length()))
            .filter(
                ns ->
                    Commands.run(List.of("ip", "-n", ns, "-4", "-o", "addr", "show", "eth0"))
                        .stdout()
                        .contains(" " + inst.host() + "/"))
            .findFirst()
            .orElseThrow(() -> new AssertionError(inst.host() + " is in none of " + before));
    // The pool is topped up with a new one, never with the instance's.
    List<String> after = awaitFullPool();
    assertFalse(after.contains("netns " + own), own + " went back to the pool: " + after);

    await(inst.stop(Duration.ofSeconds(5)));
    Leftovers.assertNone(backend, config, null, Duration.ofSeconds(10));
  }

  /** The spare attachments once the pool holds its default two. */
  private List<String> awaitFullPool() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    List<String> spares = backend.spareNetwork();
    while (spares.stream().filter(l -> l.startsWith("netns ")).count() < 2) {
      assertTrue(System.nanoTime() < deadline, "the pool never held two spares: " + spares);
      Thread.sleep(5);
      spares = backend.spareNetwork();
    }
    return spares;
  }

  @Test
  void aStoppedInstancesNamespaceIsRemovedOnlyOnceNoStartIsInFlight() throws Exception {
    ContainerImage image = TestImages.shell(dir, SERVE);
    backend(ref -> Future.succeededFuture(image), b -> b.withNetworkSpares(0));
    ContainerInstance inst =
        (ContainerInstance)
            await(backend.start(TestRevisions.spec("default.hello-00001.21", (s, l) -> {})));
    Path netns = Path.of("/run/netns", config.scope() + "-default.hello-00001.21");
    assertTrue(Files.exists(netns), netns + " is the instance's namespace");

    // Another start in flight: removing a namespace beside it would slow it down.
    backend.betweenStarts().began();
    await(inst.stop(Duration.ofSeconds(5)));
    assertTrue(Files.exists(netns), "removed while a start was in flight");
    // Still the backend's own until removed: a reconcile leaves it alone.
    ReconcileReport report = await(backend.reconcile());
    assertTrue(report.clean(), report.toString());
    assertTrue(Files.exists(netns), "reconcile took a namespace waiting for removal");
    try (Socket s = new Socket()) {
      assertThrows(
          java.io.IOException.class,
          () -> s.connect(new InetSocketAddress(inst.host(), 8080), 2000),
          "nothing listens in a stopped instance's namespace");
    }

    backend.betweenStarts().ended();
    Leftovers.assertNone(backend, config, null, Duration.ofSeconds(10));
  }

  @Test
  void stopKillsAContainerThatIgnoresTermOnceTheDrainIsOver() throws Exception {
    backend(TestImages.shell(dir, "trap '' TERM; httpd -f -p $PORT -h /www & wait"));
    ContainerInstance inst =
        (ContainerInstance)
            await(backend.start(TestRevisions.spec("default.hello-00001.8", (s, l) -> {})));

    long t0 = System.nanoTime();
    await(inst.stop(Duration.ofMillis(500)));
    Duration took = Duration.ofNanos(System.nanoTime() - t0);

    assertTrue(took.toMillis() >= 500 && took.toMillis() < 5000, "stop took " + took);
    assertEquals(9, inst.exited().result().signal(), inst.exited().result().toString());
  }

  @Test
  void readinessTimeoutFailsWithAClearMessageAndLeavesNothing() throws Exception {
    ContainerImage image = TestImages.shell(dir, "echo listening nowhere; sleep 600");
    backend(
        ref -> Future.succeededFuture(image), b -> b.withReadinessTimeout(Duration.ofSeconds(1)));
    InstanceStartException e =
        assertThrows(
            InstanceStartException.class,
            () -> await(backend.start(TestRevisions.spec("default.hello-00001.9", (s, l) -> {}))));
    assertEquals("ReadinessTimeout", e.reason());
    assertTrue(e.getMessage().contains("$PORT (8080)"), e.getMessage());
    assertTrue(e.getMessage().contains("listening nowhere"), e.getMessage());
    Leftovers.assertNone(backend, config, null, Duration.ofSeconds(10));
  }

  @Test
  void exitBeforeReadinessFailsFastWithTheOutput() throws Exception {
    backend(TestImages.shell(dir, "echo boom >&2; exit 3"));
    long t0 = System.nanoTime();
    InstanceStartException e =
        assertThrows(
            InstanceStartException.class,
            () -> await(backend.start(TestRevisions.spec("default.hello-00001.10", (s, l) -> {}))));
    assertEquals("ContainerExited", e.reason());
    assertTrue(e.getMessage().contains("exited with code 3"), e.getMessage());
    assertTrue(e.getMessage().contains("stderr: boom"), e.getMessage());
    assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos());
    Leftovers.assertNone(backend, config, null, Duration.ofSeconds(10));
  }

  @Test
  void runsAsTheImageUserResolvedThroughItsPasswd() throws Exception {
    backend(
        TestImages.image(
            dir,
            List.of("/bin/sh", "-c"),
            List.of(
                "echo \"ID $(id)\"; echo \"HOME $HOME\"; touch /tmp/x && echo TMP_OK; " + SERVE),
            "app"));
    CollectingSink logs = new CollectingSink();
    await(backend.start(TestRevisions.spec("default.hello-00001.11", logs)));
    String id = logs.await("ID ");
    assertTrue(id.contains("uid=1000(app) gid=1000(app)") && id.contains("2000(extra)"), id);
    logs.await("HOME /home/app");
    logs.await("TMP_OK");
  }

  @Test
  void appliesMemoryCpuAndPidsLimitsToItsCgroup() throws Exception {
    backend(TestImages.shell(dir, SERVE));
    ContainerInstance inst =
        (ContainerInstance)
            await(
                backend.start(
                    TestRevisions.spec(
                        "default.hello-00001.12",
                        "test/busybox:latest",
                        Map.of(),
                        new Resources("64Mi", "250m"),
                        Map.of(),
                        (s, l) -> {})));
    String cg = config.cgroupParent() + "/default.hello-00001.12";
    Path v2 = Path.of("/sys/fs/cgroup" + cg);
    if (Files.exists(v2.resolve("memory.max"))) {
      assertEquals("67108864", Files.readString(v2.resolve("memory.max")).strip());
      assertEquals("25000 100000", Files.readString(v2.resolve("cpu.max")).strip());
      assertEquals("1024", Files.readString(v2.resolve("pids.max")).strip());
    } else {
      assertEquals(
          "67108864",
          Files.readString(Path.of("/sys/fs/cgroup/memory" + cg, "memory.limit_in_bytes")).strip());
      assertEquals(
          "25000",
          Files.readString(Path.of("/sys/fs/cgroup/cpu" + cg, "cpu.cfs_quota_us")).strip());
      assertEquals(
          "1024", Files.readString(Path.of("/sys/fs/cgroup/pids" + cg, "pids.max")).strip());
    }
    assertEquals(200, get(inst.host(), inst.port(), "/").statusCode());
  }

  @Test
  void servesUnderCrunToo() throws Exception {
    Path crun = Path.of("/usr/bin/crun");
    Prerequisites.requireExecutable(crun, "apt-get install crun");
    Path unified = Path.of("/sys/fs/cgroup/unified/cgroup.controllers");
    Prerequisites.skipKnownIncompatibility(
        Files.exists(unified) && !Files.readString(unified).isBlank(),
        "crun refuses hybrid cgroups with controllers in the v2 hierarchy, as on this host");
    ContainerImage image = TestImages.shell(dir, SERVE);
    backend(ref -> Future.succeededFuture(image), b -> b.withRuntime(crun));
    ContainerInstance inst =
        (ContainerInstance)
            await(backend.start(TestRevisions.spec("default.hello-00001.13", (s, l) -> {})));
    assertTrue(
        get(inst.host(), inst.port(), "/cgi-bin/env").body().contains("K_REVISION=hello-00001"));
    await(inst.stop(Duration.ofSeconds(5)));
  }

  private static void acceptForever(ServerSocket server, AtomicInteger accepted) {
    Thread t =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try {
                  Socket s = server.accept();
                  accepted.incrementAndGet();
                  s.close();
                } catch (java.io.IOException e) {
                  return;
                }
              }
            });
    t.setDaemon(true);
    t.start();
  }

  /** A non-loopback IPv4 address of the node, or a documentation address when it has none. */
  private static String nodeAddress() throws Exception {
    for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (nif.isLoopback() || !nif.isUp()) {
        continue;
      }
      for (InetAddress a : Collections.list(nif.getInetAddresses())) {
        if (a instanceof Inet4Address && !nif.getName().startsWith("t")) {
          return a.getHostAddress();
        }
      }
    }
    return "192.0.2.1";
  }

  static String runtimeList(ContainerConfig c, Path runtime) {
    return Commands.run(List.of(runtime.toString(), "--root", c.runtimeRoot().toString(), "list"))
        .stdout();
  }
}
