package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
    ControlPlaneProcess cp =
        ControlPlaneProcess.builder(dir.resolve("cp"), dir.resolve("config"))
            .roles(null)
            .leaseSeconds(LEASE_SECONDS)
            .launch();
    processes.add(cp.process());
    int api = cp.api();
    int nodePort = cp.nodePort();
    Path config = dir.resolve("config");
    Cli cli = cp.cli();
    Path join = cp.createJoinToken(dir.resolve("join"));

    NodeProcess n1 = agent(dir, nodePort, "n1", join.resolve("bootstrap-token"), join);
    NodeProcess n2 = agent(dir, nodePort, "n2", join.resolve("bootstrap-token"), join);
    n1.await("node n1 registered");
    n2.await("node n2 registered");

    JsonNode nodes = cli.ok("nodes", "-o", "json").json();
    assertEquals(2, nodes.path("items").size(), nodes.toString());
    for (JsonNode n : nodes.path("items")) {
      assertTrue(n.path("ready").asBoolean(), n.toString());
      assertEquals(2000, n.path("capacity").path("cpuMillis").asLong(), n.toString());
    }
    String table = cli.ok("nodes").out();
    assertTrue(table.contains("n1") && table.contains("Ready"), table);

    n1.process().destroyForcibly(); // SIGKILL: no goodbye, the lease must run out
    n1.process().waitFor(10, TimeUnit.SECONDS);
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
    NodeProcess bad = agent(dir, nodePort, "n1", wrong, join);
    assertEquals(1, bad.exit(), bad.output());
    assertTrue(bad.output().contains("bootstrap token is not valid"), bad.output());

    NodeProcess foreign = agent(dir, nodePort, "n3", join.resolve("bootstrap-token"), join);
    assertEquals(1, foreign.exit(), foreign.output());
    assertTrue(foreign.output().contains("is for node 'n1', not 'n3'"), foreign.output());

    JsonNode nodes = cli.ok("nodes", "-o", "json").json();
    assertEquals(0, nodes.path("items").size(), "no node joined: " + nodes);
  }

  private NodeProcess agent(Path dir, int nodePort, String name, Path token, Path join)
      throws Exception {
    NodeProcess p =
        NodeProcess.start(
            NodeProcess.nodeFlags(
                dir,
                "127.0.0.1:" + nodePort,
                name,
                token,
                join,
                "--node-cpu",
                "2",
                "--node-memory",
                "1Gi"));
    processes.add(p.process());
    return p;
  }
}
