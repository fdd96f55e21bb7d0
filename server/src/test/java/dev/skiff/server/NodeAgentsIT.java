package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One skiffd control plane with its node port and node agents as separate processes ({@code skiffd
 * --roles node}), all on loopback: they join with a bootstrap token over mTLS, show Ready in {@code
 * skiff nodes}, a SIGKILLed agent turns NotReady once its lease runs out, and agents with a wrong
 * token or another node's token are refused with the reason.
 */
class NodeAgentsIT {
  private static final int LEASE_SECONDS = 4;

  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Process p : processes) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void agentsJoinOverMtlsAndLoseReadyWhenKilled(@TempDir Path dir) throws Exception {
    int api = SkiffdProcess.freePort();
    int nodePort = SkiffdProcess.freePort();
    Path config = dir.resolve("config");
    processes.add(
        SkiffdProcess.launch(
            dir.resolve("cp"),
            api,
            SkiffdProcess.freePort(),
            config,
            new ArrayList<>(),
            List.of(
                "--node-port", Integer.toString(nodePort), "--node-lease", LEASE_SECONDS + "s")));
    Cli cli =
        new Cli(
            Map.of(
                "SKIFF_SERVER", "http://127.0.0.1:" + api,
                "SKIFF_CONFIG_DIR", config.toString(),
                "SKIFF_DATA_DIR", dir.resolve("cp").toString()));
    Path join = dir.resolve("join");
    cli.ok("nodes", "token", "create", "--out", join.toString());

    Agent n1 = agent(dir, nodePort, "n1", join.resolve("bootstrap-token"), join);
    Agent n2 = agent(dir, nodePort, "n2", join.resolve("bootstrap-token"), join);
    n1.await(l -> l.contains("node n1 registered"));
    n2.await(l -> l.contains("node n2 registered"));

    JsonNode nodes = cli.ok("nodes", "-o", "json").json();
    assertEquals(2, nodes.path("items").size(), nodes.toString());
    for (JsonNode n : nodes.path("items")) {
      assertTrue(n.path("ready").asBoolean(), n.toString());
      assertEquals(2000, n.path("capacity").path("cpuMillis").asLong(), n.toString());
    }
    String table = cli.ok("nodes").out();
    assertTrue(table.contains("n1") && table.contains("Ready"), table);

    n1.process.destroyForcibly(); // SIGKILL: no goodbye, the lease must run out
    n1.process.waitFor(10, TimeUnit.SECONDS);
    long killed = System.nanoTime();
    long deadline = killed + TimeUnit.SECONDS.toNanos(LEASE_SECONDS + 2);
    JsonNode down = null;
    while (System.nanoTime() < deadline) {
      JsonNode n = cli.ok("nodes", "describe", "n1", "-o", "json").json();
      if (!n.path("ready").asBoolean()) {
        down = n;
        break;
      }
      Thread.sleep(100);
    }
    assertTrue(down != null, "n1 still Ready " + (LEASE_SECONDS + 2) + " s after SIGKILL");
    // Reported, not asserted beyond the deadline above (docs/cluster.md quotes it).
    System.out.printf(
        "NodeAgentsIT: n1 NotReady %d ms after SIGKILL (lease %d s)%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed), LEASE_SECONDS);
    assertEquals("LeaseExpired", down.path("reason").asText(), down.toString());
    assertTrue(
        cli.ok("nodes", "describe", "n2", "-o", "json").json().path("ready").asBoolean(),
        "n2 keeps beating and stays Ready");

    cli.ok("nodes", "cordon", "n2");
    JsonNode n2view = cli.ok("nodes", "describe", "n2", "-o", "json").json();
    assertTrue(n2view.path("cordoned").asBoolean(), n2view.toString());
  }

  @Test
  void agentsWithWrongOrForeignTokenAreRefused(@TempDir Path dir) throws Exception {
    int api = SkiffdProcess.freePort();
    int nodePort = SkiffdProcess.freePort();
    Path config = dir.resolve("config");
    processes.add(
        SkiffdProcess.launch(
            dir.resolve("cp"),
            api,
            SkiffdProcess.freePort(),
            config,
            new ArrayList<>(),
            List.of("--node-port", Integer.toString(nodePort))));
    Cli cli =
        new Cli(
            Map.of(
                "SKIFF_SERVER", "http://127.0.0.1:" + api,
                "SKIFF_CONFIG_DIR", config.toString(),
                "SKIFF_DATA_DIR", dir.resolve("cp").toString()));
    Path join = dir.resolve("join");
    cli.ok("nodes", "token", "create", "--node", "n1", "--out", join.toString());

    Path wrong = dir.resolve("wrong-token");
    Files.writeString(wrong, "skiff_this-is-not-a-token\n");
    Agent bad = agent(dir, nodePort, "n1", wrong, join);
    assertEquals(1, bad.exit(), bad.output());
    assertTrue(bad.output().contains("bootstrap token is not valid"), bad.output());

    Agent foreign = agent(dir, nodePort, "n3", join.resolve("bootstrap-token"), join);
    assertEquals(1, foreign.exit(), foreign.output());
    assertTrue(foreign.output().contains("is for node 'n1', not 'n3'"), foreign.output());

    JsonNode nodes = cli.ok("nodes", "-o", "json").json();
    assertEquals(0, nodes.path("items").size(), "no node joined: " + nodes);
  }

  /** A {@code skiffd --roles node} process and what it prints. */
  private record Agent(Process process, List<String> lines) {
    void await(Predicate<String> line) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        synchronized (lines) {
          if (lines.stream().anyMatch(line)) {
            return;
          }
        }
        if (!process.isAlive()) {
          throw new AssertionError("the agent exited " + process.exitValue() + ": " + output());
        }
        Thread.sleep(50);
      }
      throw new AssertionError("the agent did not get there: " + output());
    }

    int exit() throws Exception {
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        throw new AssertionError("the agent is still running: " + output());
      }
      return process.exitValue();
    }

    String output() {
      synchronized (lines) {
        return String.join("\n", lines);
      }
    }
  }

  private Agent agent(Path dir, int nodePort, String name, Path token, Path join) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command =
        List.of(
            java,
            "-jar",
            Path.of("target", "skiffd.jar").toAbsolutePath().toString(),
            "--roles",
            "node",
            "--control-plane",
            "127.0.0.1:" + nodePort,
            "--node-name",
            name,
            "--data-dir",
            dir.resolve("node-" + name).toString(),
            "--bootstrap-token",
            token.toString(),
            "--control-plane-ca",
            join.resolve("ca.pem").toString(),
            "--node-cpu",
            "2",
            "--node-memory",
            "1Gi");
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    processes.add(p);
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                r.lines().forEach(lines::add);
              } catch (java.io.IOException e) {
                lines.add("(output ended: " + e + ")");
              }
            });
    reader.setDaemon(true);
    reader.start();
    return new Agent(p, lines);
  }
}
