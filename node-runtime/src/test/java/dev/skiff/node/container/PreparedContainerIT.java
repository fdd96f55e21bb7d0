package dev.skiff.node.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionSpec;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.node.container.internal.Commands;
import dev.skiff.node.container.internal.OciRuntime;
import dev.skiff.node.container.internal.Preparations;
import dev.skiff.node.container.internal.ShimBinary;
import dev.skiff.node.spi.Instance;
import dev.skiff.node.spi.InstanceExit;
import dev.skiff.node.spi.InstanceSpec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Containers created ahead ({@code runc create} under the shim) for revisions at zero, against real
 * runc: woken by the next start, with their exit seen as a foreground runtime's.
 */
class PreparedContainerIT extends ContainerFixture {
  // Exits 3 on SIGUSR1 (sent through runc), so the test ends the workload without a timer.
  private static final String SERVE_UNTIL_USR1 =
      "trap 'echo BYE; exit 3' USR1; echo UP; httpd -p $PORT -h /www;"
          + " while true; do sleep 0.1; done";

  @Test
  void aContainerPreparedAheadStartsServesAndItsExitCodeIsSeen() throws Exception {
    backend(TestImages.shell(dir, SERVE_UNTIL_USR1));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    backend.bindTo(meters);
    CollectingSink logs = new CollectingSink();
    InstanceSpec spec = TestRevisions.spec("default.hello-00001.1", logs);
    backend.atZero(spec.revision());
    settle();
    assertEquals(List.of(), backend.prepared(), "prepared before it ever ran here");
    ranOnce(spec.revision());
    String key = awaitPrepared(1).get(0);
    // At zero it keeps the one made once its instance was ready.
    backend.atZero(spec.revision());
    settle();
    assertEquals(List.of(key), backend.prepared());
    logs.lines.clear();
    assertTrue(key.startsWith(Preparations.PREFIX), key);
    assertEquals("created", state(key), "runc created it and did not start it");
    assertTrue(logs.lines.isEmpty(), "the workload ran before a start: " + logs.lines);

    ContainerInstance inst = (ContainerInstance) await(backend.start(spec));
    assertFalse(backend.prepared().contains(key), "still waiting once woken: " + key);
    assertEquals(1.0, meters.get("skiff.node.container.prepared.taken").functionCounter().count());
    assertEquals(200, get(inst.host(), inst.port(), "/").statusCode(), logs.lines.toString());
    logs.await("UP");
    // Taking one prepares the next, after the start.
    assertNotEquals(key, awaitPrepared(1).get(0));

    // The workload ends on its own (asked by nobody): its exit code is seen and reported.
    assertTrue(runc("kill", key, "USR1").ok(), "cannot signal the workload: " + runc("state", key));
    ContainerExit exit = await(inst.exited());
    assertEquals(3, exit.exitCode(), exit.toString());
    assertFalse(exit.requested());
    InstanceExit ended = await(inst.ended());
    assertEquals("Error", ended.reason(), ended.toString());
    logs.await("BYE");
  }

  @Test
  void aRunningRevisionHasAContainerPreparedAndAScaleOutTakesIt() throws Exception {
    backend(TestImages.shell(dir, "exec httpd -f -p $PORT -h /www"));
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    backend.bindTo(meters);
    Revision r = revision("hello-00001", Map.of());
    ContainerInstance first =
        (ContainerInstance)
            await(
                backend.start(new InstanceSpec("default.hello-00001.1", r, new CollectingSink())));
    // Before the revision ever goes to zero: made once its instance was ready.
    String key = awaitPrepared(1).get(0);
    assertTrue(key.endsWith("default.hello-00001"), key);
    assertEquals("created", state(key));

    ContainerInstance second =
        (ContainerInstance)
            await(
                backend.start(new InstanceSpec("default.hello-00001.2", r, new CollectingSink())));
    assertEquals(1.0, meters.get("skiff.node.container.prepared.taken").functionCounter().count());
    assertEquals("running", state(key), "the scale-out woke " + key);
    assertEquals(200, get(second.host(), second.port(), "/").statusCode());
    assertEquals(200, get(first.host(), first.port(), "/").statusCode());
    assertNotEquals(first.host(), second.host());
    // And the next one is made for the next scale-out.
    assertNotEquals(key, awaitPrepared(1).get(0));
  }

  @Test
  void oneMadeAfterAStartTakesOnlyAFreePlaceAndNeverPushesOutOneAtZero() throws Exception {
    ContainerImage image = TestImages.shell(dir, "exec httpd -f -p $PORT -h /www");
    backend(ref -> Future.succeededFuture(image), b -> b.withPreparedContainers(2));
    Revision a = revision("hello-00001", Map.of());
    ranOnce(a);
    backend.atZero(a);
    String atZero = awaitPrepared(1).get(0);
    assertTrue(atZero.endsWith(".hello-00001"), atZero);

    // A second revision running: its container takes the free place.
    await(
        backend.start(
            new InstanceSpec(
                "default.hello-00002.1", revision("hello-00002", Map.of()), new CollectingSink())));
    List<String> full = awaitPrepared(2);
    assertTrue(full.contains(atZero), full.toString());
    // A third running: the pool is full and nothing makes room for it.
    await(
        backend.start(
            new InstanceSpec(
                "default.hello-00003.1", revision("hello-00003", Map.of()), new CollectingSink())));
    settle();
    assertEquals(full, backend.prepared());
  }

  @Test
  void aTemplateChangeDropsTheStaleContainer() throws Exception {
    backend(TestImages.shell(dir, "exec httpd -f -p $PORT -h /www"));
    ranOnce(revision("hello-00001", Map.of("GREETING", "before")));
    String stale = awaitPrepared(1).get(0);

    // The same revision at zero with another template: the one made from the old one goes, and
    // one made from the new one takes its place.
    backend.atZero(revision("hello-00001", Map.of("GREETING", "after")));
    awaitTrue(
        () -> backend.prepared().size() == 1 && !backend.prepared().contains(stale),
        "a container made from the new template replaces " + stale);
    awaitTrue(() -> !runc("state", stale).ok(), "the stale container " + stale + " is removed");
    String fresh = backend.prepared().get(0);
    CollectingSink logs = new CollectingSink();
    ContainerInstance inst =
        (ContainerInstance)
            await(
                backend.start(
                    new InstanceSpec(
                        "default.hello-00001.7",
                        revision("hello-00001", Map.of("GREETING", "after")),
                        logs)));
    assertEquals("running", state(fresh), "the start woke the fresh one");
    String env = get(inst.host(), inst.port(), "/cgi-bin/env").body();
    assertTrue(env.contains("GREETING=after"), env);
  }

  @Test
  void aStoppedPreparedContainerEndsAsAskedAndTheNextZeroPreparesAnother() throws Exception {
    backend(TestImages.shell(dir, "exec httpd -f -p $PORT -h /www"));
    InstanceSpec spec = TestRevisions.spec("default.hello-00001.1", new CollectingSink());
    ranOnce(spec.revision());
    backend.atZero(spec.revision());
    String first = awaitPrepared(1).get(0);
    ContainerInstance inst = (ContainerInstance) await(backend.start(spec));
    await(inst.stop(Duration.ofSeconds(5)));
    assertTrue(inst.exited().result().requested());
    awaitTrue(() -> !runc("state", first).ok(), "the stopped container " + first + " is deleted");

    backend.atZero(spec.revision());
    assertNotEquals(first, awaitPrepared(1).get(0));
  }

  @Test
  void aDeletedRevisionsPreparedContainerIsRemoved() throws Exception {
    backend(TestImages.shell(dir, "exec httpd -f -p $PORT -h /www"));
    InstanceSpec spec = TestRevisions.spec("default.hello-00001.1", new CollectingSink());
    ranOnce(spec.revision());
    backend.atZero(spec.revision());
    String key = awaitPrepared(1).get(0);

    backend.forget("default", "hello-00001");
    assertEquals(List.of(), backend.prepared());
    awaitTrue(() -> !runc("state", key).ok(), "container " + key + " is removed");
    awaitTrue(
        () -> !java.nio.file.Files.exists(config.dataDir().resolve("containers").resolve(key)),
        "its bundle is removed");
  }

  @Test
  void thePoolHoldsItsBoundDroppingTheEldest() throws Exception {
    ContainerImage image = TestImages.shell(dir, "exec httpd -f -p $PORT -h /www");
    backend(ref -> Future.succeededFuture(image), b -> b.withPreparedContainers(1));
    ranOnce(revision("hello-00001", Map.of()));
    ranOnce(revision("hello-00002", Map.of()));
    backend.atZero(revision("hello-00001", Map.of()));
    String first = awaitPrepared(1).get(0);
    backend.atZero(revision("hello-00002", Map.of()));
    awaitTrue(
        () -> backend.prepared().size() == 1 && !backend.prepared().contains(first),
        "the second revision's container replaces the first's");
    awaitTrue(() -> !runc("state", first).ok(), "the eldest (" + first + ") is removed");
    assertEquals(1, runtimeContainers().size(), runtimeContainers().toString());
  }

  @Test
  void aPreparedContainerThatNoLongerFitsIsNotUsed() throws Exception {
    backend(TestImages.shell(dir, "exec httpd -f -p $PORT -h /www"));
    ranOnce(revision("hello-00001", Map.of("GREETING", "before")));
    backend.atZero(revision("hello-00001", Map.of("GREETING", "before")));
    String key = awaitPrepared(1).get(0);

    // Same revision name, another env: what config.json fixed at create time no longer holds.
    CollectingSink logs = new CollectingSink();
    Revision changed = revision("hello-00001", Map.of("GREETING", "after"));
    ContainerInstance inst =
        (ContainerInstance)
            await(backend.start(new InstanceSpec("default.hello-00001.7", changed, logs)));
    String env = get(inst.host(), inst.port(), "/cgi-bin/env").body();
    assertTrue(env.contains("GREETING=after"), env);
    assertTrue(env.contains("HOSTNAME=default-hello-00001-7"), "started anew: " + env);
    awaitTrue(() -> !runc("state", key).ok(), "the unfit container " + key + " is removed");
  }

  @Test
  void revisionsWithEnvFromSecretsAreNotPrepared() throws Exception {
    backend(TestImages.shell(dir, "exec httpd -f -p $PORT -h /www"));
    RevisionTemplate secret =
        RevisionTemplate.builder()
            .image("test/busybox:latest")
            .port(8080)
            .envValueFrom(
                Map.of("PASSWORD", dev.skiff.api.model.EnvSource.secretKey("db", "password")))
            .build();
    Revision withSecret =
        Revision.of(ObjectMeta.of("default", "hello-00001"), new RevisionSpec("hello", 1, secret));
    ranOnce(withSecret);
    ranOnce(revision("hello-00002", Map.of()));
    backend.atZero(withSecret);
    backend.atZero(revision("hello-00002", Map.of()));
    // Everything asked of the between-starts thread so far is done: only the second's was made.
    settle();
    String key = awaitPrepared(1).get(0);
    assertTrue(key.endsWith("default.hello-00002"), key);
  }

  @Test
  void aPreparationUnderWayWhenTheBackendClosesLeavesNothingBehind() throws Exception {
    // A shim that waits a second before it creates: the backend closes while the preparation is
    // under way; the fixture then checks that nothing of it is left on the host.
    java.nio.file.Path real = ShimBinary.extract(dir.resolve("shim"));
    java.nio.file.Path slow = dir.resolve("slow-shim");
    java.nio.file.Files.writeString(slow, "#!/bin/sh\nsleep 1\nexec " + real + " \"$@\"\n");
    assertTrue(slow.toFile().setExecutable(true));
    ContainerImage image = TestImages.shell(dir, "exec httpd -f -p $PORT -h /www");
    backend(ref -> Future.succeededFuture(image), b -> b.withShim(slow));
    Revision r = revision("hello-00001", Map.of());
    ranOnce(r);
    awaitPrepared(1);
    // The next start takes that one; the one made once it is ready is under way as the test ends.
    await(backend.start(new InstanceSpec("default.hello-00001.1", r, new CollectingSink())));
    awaitTrue(
        () ->
            ProcessHandle.allProcesses()
                .anyMatch(
                    p ->
                        p.info().commandLine().map(c -> c.contains(slow.toString())).orElse(false)),
        "the preparation's shim is running");
  }

  /** Starts and stops an instance of {@code r}: a backend prepares only revisions it has run. */
  private void ranOnce(Revision r) throws Exception {
    Instance inst =
        await(
            backend.start(
                new InstanceSpec(
                    "default." + r.metadata().name() + ".0", r, new CollectingSink())));
    await(((ContainerInstance) inst).stop(Duration.ofSeconds(1)));
  }

  private static Revision revision(String name, Map<String, String> env) {
    return TestRevisions.revision(name, env);
  }

  /** Waits until what was handed to the between-starts thread so far has run. */
  private void settle() throws Exception {
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
    backend.betweenStarts().runBetweenStarts("test marker", done::countDown);
    assertTrue(done.await(30, java.util.concurrent.TimeUnit.SECONDS), "the thread is stuck");
  }

  private List<String> awaitPrepared(int n) throws InterruptedException {
    awaitTrue(() -> backend.prepared().size() == n, n + " container(s) prepared");
    return backend.prepared();
  }

  private static void awaitTrue(BooleanSupplier condition, String what)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 30 s: " + what);
      }
      Thread.sleep(20);
    }
  }

  private Commands.Result runc(String... args) {
    List<String> argv =
        new java.util.ArrayList<>(
            List.of(backend.runtime().toString(), "--root", config.runtimeRoot().toString()));
    argv.addAll(List.of(args));
    return Commands.run(argv);
  }

  private String state(String key) {
    return new io.vertx.core.json.JsonObject(runc("state", key).orThrow().stdout())
        .getString("status");
  }

  private List<OciRuntime.Container> runtimeContainers() {
    return new OciRuntime(backend.runtime(), config.runtimeRoot()).list();
  }
}
