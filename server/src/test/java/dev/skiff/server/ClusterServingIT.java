package dev.skiff.server;

import static dev.skiff.server.ControlPlaneProcess.awaitReadyInstances;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.examples.Examples;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster serving requests, every part its own process on loopback: one control plane (every role
 * but node, so no instance runs in its JVM) and three {@code skiffd --roles node} agents, each
 * advertising its own loopback address (127.0.0.2-4). A Wasm service with min-scale 3 spreads over
 * the three, answers through the control plane's gateway over mTLS to the nodes' sidecars; a
 * SIGKILLed node's endpoints are withdrawn and its instance re-placed on the others within the
 * lease plus 2 s, and the service keeps answering.
 */
class ClusterServingIT {
  // Long enough that a heartbeat delayed by a loaded machine (CI) does not lose a lease.
  private static final int LEASE_SECONDS = 8;
  private static final List<String> NODES = List.of("n1", "n2", "n3");

  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Process p : processes) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void wasmServiceSpreadsOverNodesAndSurvivesTheLossOfOne(@TempDir Path dir) throws Exception {
    ControlPlaneProcess cp =
        ControlPlaneProcess.builder(dir.resolve("cp"), dir.resolve("config"))
            .leaseSeconds(LEASE_SECONDS)
            .launch();
    processes.add(cp.process());
    int gateway = cp.gateway();
    int nodePort = cp.nodePort();
    Cli cli = cp.cli();
    Path join = cp.createJoinToken(dir.resolve("join"));
    Map<String, NodeProcess> agents = new TreeMap<>();
    for (int i = 0; i < NODES.size(); i++) {
      String name = NODES.get(i);
      agents.put(name, agent(dir, nodePort, name, "127.0.0." + (i + 2), join));
    }
    for (NodeProcess a : agents.values()) {
      a.await("registered");
    }

    Path wasm = Files.write(dir.resolve("hello.wasm"), Examples.wasm(Examples.HELLO));
    cli.ok(
        "deploy",
        "hello",
        "--wasm",
        wasm.toString(),
        "--annotation",
        "autoscaling.knative.dev/min-scale=3",
        "--no-wait");

    // One ready instance on each node, at the node's own address.
    Map<String, List<String>> ready = awaitReadyInstances(cli, NODES, 3, 90);
    for (int i = 0; i < NODES.size(); i++) {
      List<String> endpoints = ready.get(NODES.get(i));
      assertEquals(1, endpoints.size(), "spread one per node: " + ready);
      assertTrue(endpoints.get(0).startsWith("127.0.0." + (i + 2) + ":"), ready.toString());
    }

    // The revision's status is the nodes' reports summed: 3 ready, Ready.
    awaitRevisionReady(cli, 3, 30);

    // skiff instances lists them with their node.
    JsonNode listed = cli.ok("instances", "hello", "-o", "json").json();
    List<String> nodesListed = new ArrayList<>();
    for (JsonNode i : listed.path("items")) {
      if ("Ready".equals(i.path("state").asText())) {
        nodesListed.add(i.path("node").asText());
      }
    }
    Collections.sort(nodesListed);
    assertEquals(NODES, nodesListed, listed.toString());

    try (Http http = new Http(HttpVersion.HTTP_1_1)) {
      // Settled: ten answers in a row (three JVMs starting on a loaded machine may miss a
      // heartbeat at first, and placement then moves an instance once).
      awaitSettled(http, gateway);
      List<String> failed = load(http, gateway, 100);
      assertEquals(List.of(), failed, "every request answered by the cluster");

      // SIGKILL one node while requests keep coming.
      Loader loader = new Loader(http, gateway);
      loader.start();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
      while (System.nanoTime() < until && loader.sent() < 50) {
        Thread.onSpinWait();
      }
      NodeProcess n1 = agents.get("n1");
      n1.process().destroyForcibly();
      n1.process().waitFor(10, TimeUnit.SECONDS);
      long killed = System.nanoTime();

      // Its instance is placed again on the two others, within the lease plus 2 s.
      Map<String, List<String>> after =
          awaitReadyInstances(cli, List.of("n2", "n3"), 3, LEASE_SECONDS + 2);
      long replaced = System.nanoTime();
      System.out.printf(
          "ClusterServingIT: 3 instances ready on n2+n3 %d ms after SIGKILL of n1 (lease %d s):"
              + " %s%n",
          TimeUnit.NANOSECONDS.toMillis(replaced - killed), LEASE_SECONDS, after);
      awaitRevisionReady(cli, 3, 30); // n1's instance counted no more, the new one counted
      Thread.sleep(500); // a little load on the new placement (not a wait for a condition)
      List<Loader.Outcome> outcomes = loader.finish();
      long failedDuringLoss = outcomes.stream().filter(o -> !o.ok()).count();
      long failedAfterKill = outcomes.stream().filter(o -> !o.ok() && o.sentAt() > killed).count();
      System.out.printf(
          "ClusterServingIT: %d GETs during the loss, %d failed (%d sent after the kill)%n",
          outcomes.size(), failedDuringLoss, failedAfterKill);
      // Printed, not asserted here: ClusterNodeLossIT asserts that none fails (the gateway sends
      // a GET in flight to n1 as it died to another instance). Once n1's endpoints are withdrawn
      // (its connection closed) none may fail anyway.
      List<String> afterLoss = load(http, gateway, 100);
      assertEquals(List.of(), afterLoss, "every request answered after the loss of n1");
    }
  }

  private static void awaitSettled(Http http, int gateway) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    int inARow = 0;
    String last = "";
    while (inARow < 10) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no ten answers in a row within 90 s; last: " + last);
      }
      try {
        Http.Response r = http.get(gateway, "hello.default.localhost", "/?name=w");
        inARow = r.status() == 200 ? inARow + 1 : 0;
        last = r.status() + " " + r.text();
      } catch (Exception e) {
        inARow = 0;
        last = e.toString();
      }
    }
  }

  /** {@code n} GETs one after another (a loaded CI machine answers them slowly, never wrongly). */
  private static List<String> load(Http http, int gateway, int n) throws Exception {
    List<String> failed = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      try {
        Http.Response r = http.get(gateway, "hello.default.localhost", "/?name=c" + i);
        if (r.status() != 200 || !r.text().trim().equals("Hello, c" + i + "!")) {
          failed.add(i + ": " + r.status() + " " + r.text());
        }
      } catch (Exception e) {
        failed.add(i + ": " + e);
      }
    }
    return failed;
  }

  /**
   * Waits until {@code skiff revisions} shows hello-00001 Ready with {@code ready} ready instances
   * (the control plane runs none: the count is the nodes' reports).
   */
  private static void awaitRevisionReady(Cli cli, int ready, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    JsonNode status = null;
    while (System.nanoTime() < deadline) {
      status =
          cli.ok("revisions", "hello", "-o", "json").json().path("items").get(0).path("status");
      boolean isReady = false;
      for (JsonNode c : status.path("conditions")) {
        isReady |=
            "Ready".equals(c.path("type").asText()) && "True".equals(c.path("status").asText());
      }
      if (isReady && status.path("readyInstances").asInt() == ready) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "hello-00001 not Ready with " + ready + " ready instances in " + seconds + " s: " + status);
  }

  /** GETs one after another from a thread of its own, until stopped. */
  private static final class Loader extends Thread {
    record Outcome(long sentAt, boolean ok) {}

    private final Http http;
    private final int gateway;
    private final List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean stopped;

    Loader(Http http, int gateway) {
      super("cluster-load");
      setDaemon(true);
      this.http = http;
      this.gateway = gateway;
    }

    int sent() {
      return outcomes.size();
    }

    @Override
    public void run() {
      while (!stopped) {
        long at = System.nanoTime();
        boolean ok;
        try {
          Http.Response r = http.get(gateway, "hello.default.localhost", "/?name=x");
          ok = r.status() == 200;
        } catch (Exception e) {
          ok = false;
        }
        outcomes.add(new Outcome(at, ok));
      }
    }

    List<Outcome> finish() throws InterruptedException {
      stopped = true;
      join(TimeUnit.SECONDS.toMillis(60));
      synchronized (outcomes) {
        return List.copyOf(outcomes);
      }
    }
  }

  private NodeProcess agent(Path dir, int nodePort, String name, String address, Path join)
      throws Exception {
    NodeProcess p = NodeProcess.start(dir, nodePort, name, address, join, List.of());
    processes.add(p.process());
    return p;
  }
}
