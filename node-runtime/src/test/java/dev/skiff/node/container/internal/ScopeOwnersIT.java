package dev.skiff.node.container.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.node.container.ContainerConfig;
import dev.skiff.testing.Prerequisites;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Leftovers of a backend whose process is gone (a killed skiffd whose data directory never starts
 * again) are removed by the next backend that starts, whatever its scope; a live owner's are not.
 * Real network namespaces and links on the host.
 */
class ScopeOwnersIT {
  @TempDir Path dir;

  private final Vertx vertx = Vertx.vertx();
  private WorkerExecutor workers;
  private String tag;

  @BeforeEach
  void prerequisites() {
    Prerequisites.requireRoot("network namespaces and links");
    Prerequisites.requireExecutable(Path.of("/usr/sbin/ip"), "apt-get install iproute2");
    Prerequisites.require(OciRuntime.detect(null) != null, "runc or crun", "apt-get install runc");
    workers = vertx.createSharedWorkerExecutor("scope-owners-test", 1);
    tag = String.format("%03x", ThreadLocalRandom.current().nextInt(4096));
  }

  @AfterEach
  void cleanUp() throws Exception {
    Commands.run(List.of("ip", "netns", "del", scope() + "-spare@0"));
    Commands.run(List.of("ip", "link", "del", prefix() + "0"));
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void whatAGoneProcessLeftIsRemovedAndItsClaimForgotten() throws Exception {
    leaveBehind();
    ScopeOwners owners = new ScopeOwners(dir.resolve("owners"));
    owners.claim(config(), OciRuntime.detect(null), "10.254." + (tag.hashCode() & 127) + ".0/30");
    Path claim = dir.resolve("owners").resolve(scope());
    // The claim as a process that has exited would have left it.
    Process gone = new ProcessBuilder("true").start();
    gone.waitFor();
    rewritePid(claim, gone.pid());

    List<String> removed = owners.sweep(vertx, workers, "skiff-another");

    assertEquals(1, removed.size(), removed.toString());
    assertFalse(Files.exists(Path.of("/run/netns", scope() + "-spare@0")), "namespace removed");
    assertFalse(Files.exists(Path.of("/sys/class/net", prefix() + "0")), "link removed");
    assertFalse(Files.exists(claim), "claim forgotten");
  }

  @Test
  void aLiveOwnersScopeIsLeftAlone() throws Exception {
    leaveBehind();
    ScopeOwners owners = new ScopeOwners(dir.resolve("owners"));
    owners.claim(config(), OciRuntime.detect(null), null); // this process: alive

    List<String> removed = owners.sweep(vertx, workers, "skiff-another");

    assertEquals(List.of(), removed);
    assertTrue(Files.exists(Path.of("/run/netns", scope() + "-spare@0")), "namespace kept");
    assertTrue(Files.exists(Path.of("/sys/class/net", prefix() + "0")), "link kept");
  }

  @Test
  void aClaimWhosePidNowBelongsToALaterProcessCountsAsGone() throws Exception {
    ScopeOwners owners = new ScopeOwners(dir.resolve("owners"));
    owners.claim(config(), OciRuntime.detect(null), null);
    ScopeOwners.Claim mine = ScopeOwners.read(dir.resolve("owners").resolve(scope())).orElseThrow();

    assertTrue(ScopeOwners.alive(mine));
    ScopeOwners.Claim older =
        new ScopeOwners.Claim(
            mine.pid(),
            mine.startMillis() - 60_000,
            mine.scope(),
            mine.dataDir(),
            mine.runtimeBinary(),
            mine.runtimeRoot(),
            mine.interfacePrefix(),
            mine.cgroupParent(),
            mine.firewall(),
            mine.subnet());
    assertFalse(ScopeOwners.alive(older), "the pid was reused by this (later) process");
  }

  private void leaveBehind() {
    Commands.run(List.of("ip", "netns", "add", scope() + "-spare@0")).orThrow();
    Commands.run(
            List.of(
                "ip",
                "link",
                "add",
                prefix() + "0",
                "type",
                "veth",
                "peer",
                "name",
                prefix() + "p"))
        .orThrow();
  }

  private static void rewritePid(Path claim, long pid) throws Exception {
    List<String> lines = Files.readAllLines(claim);
    Files.write(claim, lines.stream().map(l -> l.startsWith("pid=") ? "pid=" + pid : l).toList());
  }

  private ContainerConfig config() {
    return ContainerConfig.builder()
        .withScope(scope())
        .withDataDir(dir.resolve("containers"))
        .withRuntimeRoot(dir.resolve("runc"))
        .withInterfacePrefix(prefix())
        .withCgroupParent("/" + scope())
        .build();
  }

  private String scope() {
    return "skiff-t" + tag;
  }

  private String prefix() {
    return "skt" + tag;
  }
}
