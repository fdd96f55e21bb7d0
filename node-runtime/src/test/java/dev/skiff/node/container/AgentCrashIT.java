package dev.skiff.node.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.node.container.internal.OciRuntime;
import dev.skiff.node.container.internal.Preparations;
import io.vertx.core.Future;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * kill -9 of the agent: a child JVM starts containers and is SIGKILLed; its containers outlive it
 * (runc cannot tie them to the agent), and the next backend's reconcile removes every trace.
 */
class AgentCrashIT extends ContainerFixture {
  private static final int INSTANCES = 3;

  @Test
  void nextBackendRemovesEverythingACrashedAgentLeft() throws Exception {
    ContainerConfig crashed = newConfig().build();
    String marker = "skiff-crash-" + UUID.randomUUID();
    List<InetSocketAddress> endpoints = runAndKill(crashed, marker);

    // The crash really left things behind: containers still answer, processes and state remain.
    for (InetSocketAddress e : endpoints) {
      assertTrue(connects(e), "instance at " + e + " died with the agent; the test proves nothing");
    }
    List<String> before = Leftovers.of(crashed, OciRuntime.detect(null), marker);
    assertTrue(before.stream().anyMatch(l -> l.startsWith("container ")), before.toString());
    assertTrue(before.stream().anyMatch(l -> l.contains(marker)), before.toString());

    ContainerImage image = TestImages.shell(dir.resolve("layers"), "true");
    config = crashed;
    backend = await(ContainerBackend.create(vertx, crashed, ref -> Future.succeededFuture(image)));
    ReconcileReport report = await(backend.reconcile());
    assertTrue(report.clean(), "a second reconcile found more: " + report);

    Leftovers.assertNone(backend, crashed, marker, Duration.ofSeconds(10));
    for (InetSocketAddress e : endpoints) {
      assertFalse(connects(e), "instance at " + e + " still answers");
    }
  }

  @Test
  void nextBackendRemovesContainersACrashedAgentCreatedAhead() throws Exception {
    ContainerConfig crashed = newConfig().build();
    String marker = "skiff-crash-" + UUID.randomUUID();
    List<String> prepared = new ArrayList<>();
    runAndKill(crashed, marker, 2, prepared);
    // Two revisions run and stopped, and hello's three instances running, have one each.
    assertEquals(3, prepared.size(), "the child agent prepared no containers ahead: " + prepared);
    assertEquals(
        1,
        prepared.stream().filter(k -> k.endsWith(".hello-00001")).count(),
        "one for the running revision: " + prepared);

    List<String> before = Leftovers.of(crashed, OciRuntime.detect(null), marker);
    for (String key : prepared) {
      assertTrue(key.startsWith(Preparations.PREFIX), key);
      assertTrue(before.contains("container " + key), key + " is not left: " + before);
    }

    ContainerImage image = TestImages.shell(dir.resolve("layers"), "true");
    config = crashed;
    backend = await(ContainerBackend.create(vertx, crashed, ref -> Future.succeededFuture(image)));
    ReconcileReport report = await(backend.reconcile());
    assertTrue(report.clean(), "a second reconcile found more: " + report);
    Leftovers.assertNone(backend, crashed, marker, Duration.ofSeconds(10));
  }

  private List<InetSocketAddress> runAndKill(ContainerConfig c, String marker) throws Exception {
    return runAndKill(c, marker, 0, new ArrayList<>());
  }

  private List<InetSocketAddress> runAndKill(
      ContainerConfig c, String marker, int prepare, List<String> prepared) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                CrashAgentMain.class.getName(),
                c.dataDir().toString(),
                c.scope(),
                c.runtimeRoot().toString(),
                c.subnets().get(0),
                dir.resolve("layers").toString(),
                Integer.toString(INSTANCES),
                marker,
                Integer.toString(prepare))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    List<InetSocketAddress> endpoints = new ArrayList<>();
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null && !line.equals("ALL READY")) {
        if (line.startsWith("READY ")) {
          String[] f = line.split(" ");
          endpoints.add(new InetSocketAddress(f[1], Integer.parseInt(f[2])));
        } else if (line.startsWith("PREPARED ")) {
          prepared.add(line.substring("PREPARED ".length()));
        }
      }
      child.toHandle().destroyForcibly();
    } finally {
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    }
    assertEquals(INSTANCES, endpoints.size(), "the child agent did not start every instance");
    return endpoints;
  }

  private static boolean connects(InetSocketAddress a) {
    try (Socket s = new Socket()) {
      s.connect(a, 1000);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
