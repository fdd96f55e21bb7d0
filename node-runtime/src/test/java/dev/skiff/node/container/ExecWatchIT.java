package dev.skiff.node.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.node.container.internal.Commands;
import dev.skiff.node.container.internal.ExecWatch;
import dev.skiff.node.container.internal.OciRuntime;
import dev.skiff.testing.Prerequisites;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ExecWatch} against real runc: it tells a container's workload was exec'd once runc starts
 * it, not when runc merely created it, whether the watch began before runc or after; and ending a
 * watch completes it. (The backend begins its start-up probes there; how much sooner readiness is
 * seen is measured in bench/, never asserted here.)
 */
class ExecWatchIT {
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path dir;
  private Path runc;
  private final List<String> containers = new ArrayList<>();

  @BeforeAll
  static void requireHost() {
    Prerequisites.require(
        "0".equals(Commands.run(List.of("id", "-u")).stdout().strip()),
        "root (containers need namespaces, cgroups and mounts)",
        "run the tests as root, e.g. `sudo bin/test`");
    Path binary = OciRuntime.detect(null);
    Prerequisites.require(
        binary != null && !binary.getFileName().toString().contains("crun"),
        "runc (the exec fifo is runc's)",
        "apt-get install runc");
    Prerequisites.require(
        TestImages.available(), "a static busybox", "apt-get install busybox-static");
  }

  @AfterEach
  void deleteContainers() {
    for (String id : containers) {
      runc("delete", "--force", id);
    }
  }

  @Test
  void completesWhenRuncStartsTheWorkloadNotWhenItCreatesIt() throws Exception {
    try (ExecWatch watch = ExecWatch.open(root())) {
      String id = newId();
      CompletableFuture<Void> execd = watch.started(id);
      create(id);
      assertEquals("created", status(id));
      assertFalse(execd.isDone(), "the workload is not exec'd while the container is created");

      runc("start", id).orThrow();
      execd.get(30, TimeUnit.SECONDS);
      assertEquals("running", status(id));
    }
  }

  @Test
  void completesWhenWatchedOnlyAfterTheWorkloadStarted() throws Exception {
    try (ExecWatch watch = ExecWatch.open(root())) {
      String id = newId();
      create(id);
      runc("start", id).orThrow();
      assertEquals("running", status(id));

      watch.started(id).get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void forgettingAContainerCompletesItsWatch() throws Exception {
    try (ExecWatch watch = ExecWatch.open(root())) {
      String id = newId();
      CompletableFuture<Void> execd = watch.started(id);
      create(id);
      watch.forget(id);
      assertTrue(execd.isDone(), "a forgotten watch does not keep its waiter waiting");
    }
  }

  private Path root() {
    return dir.resolve("state");
  }

  private String newId() {
    String id = "execwatch-" + Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
    containers.add(id);
    return id;
  }

  /** {@code runc create} of a busybox container that sleeps, without a network namespace. */
  private void create(String id) throws Exception {
    Path bundle = dir.resolve("bundle-" + id);
    Files.createDirectories(bundle);
    runc("spec", "--bundle", bundle.toString()).orThrow();
    JsonObject spec = new JsonObject(Files.readString(bundle.resolve("config.json")));
    Path rootfs = TestImages.layers(dir.resolve("layers")).get(0);
    spec.put("root", new JsonObject().put("path", rootfs.toString()).put("readonly", true));
    JsonObject process = spec.getJsonObject("process");
    process.put("terminal", false);
    process.put("args", new JsonArray().add("/bin/sleep").add("60"));
    JsonObject linux = spec.getJsonObject("linux");
    JsonArray namespaces = new JsonArray();
    for (Object o : linux.getJsonArray("namespaces")) {
      if (!"network".equals(((JsonObject) o).getString("type"))) {
        namespaces.add(o);
      }
    }
    linux.put("namespaces", namespaces);
    linux.put("cgroupsPath", "/" + id);
    Files.writeString(bundle.resolve("config.json"), spec.encode());
    Process p =
        new ProcessBuilder(
                runcBinary().toString(),
                "--root",
                root().toString(),
                "create",
                "--bundle",
                bundle.toString(),
                id)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(dir.resolve("create-" + id + ".err").toFile())
            .start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "runc create ends");
    assertEquals(
        0, p.exitValue(), () -> "runc create: " + read(dir.resolve("create-" + id + ".err")));
  }

  private String status(String id) {
    return new JsonObject(runc("state", id).orThrow().stdout()).getString("status");
  }

  private Commands.Result runc(String... args) {
    List<String> argv =
        new ArrayList<>(List.of(runcBinary().toString(), "--root", root().toString()));
    argv.addAll(List.of(args));
    return Commands.run(argv);
  }

  private Path runcBinary() {
    if (runc == null) {
      runc = OciRuntime.detect(null);
    }
    return runc;
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      return e.toString();
    }
  }
}
