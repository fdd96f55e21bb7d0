package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.examples.Examples;
import io.vertx.core.http.HttpVersion;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
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
    int api = SkiffdProcess.freePort();
    int gateway = SkiffdProcess.freePort();
    int nodePort = SkiffdProcess.freePort();
    Path config = dir.resolve("config");
    processes.add(
        SkiffdProcess.launch(
            dir.resolve("cp"),
            api,
            gateway,
            config,
            new ArrayList<>(),
            List.of(
                "--roles",
                "control-plane,gateway,activator,autoscaler,eventing",
                "--node-port",
                Integer.toString(nodePort),
                "--node-lease",
                LEASE_SECONDS + "s")));
    Cli cli =
        new Cli(
            Map.of(
                "SKIFF_SERVER", "http://127.0.0.1:" + api,
                "SKIFF_CONFIG_DIR", config.toString(),
                "SKIFF_DATA_DIR", dir.resolve("cp").toString()));
    Path join = dir.resolve("join");
    cli.ok("nodes", "token", "create", "--out", join.toString());
    Map<String, Agent> agents = new TreeMap<>();
    for (int i = 0; i < NODES.size(); i++) {
      String name = NODES.get(i);
      agents.put(name, agent(dir, nodePort, name, "127.0.0." + (i + 2), join));
    }
    for (Agent a : agents.values()) {
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
    Map<String, List<String>> ready = awaitReady(cli, NODES, 3, 90);
    for (int i = 0; i < NODES.size(); i++) {
      List<String> endpoints = ready.get(NODES.get(i));
      assertEquals(1, endpoints.size(), "spread one per node: " + ready);
      assertTrue(endpoints.get(0).startsWith("127.0.0." + (i + 2) + ":"), ready.toString());
    }

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
      Agent n1 = agents.get("n1");
      n1.process.destroyForcibly();
      n1.process.waitFor(10, TimeUnit.SECONDS);
      long killed = System.nanoTime();

      // Its instance is placed again on the two others, within the lease plus 2 s.
      Map<String, List<String>> after = awaitReady(cli, List.of("n2", "n3"), 3, LEASE_SECONDS + 2);
      long replaced = System.nanoTime();
      System.out.printf(
          "ClusterServingIT: 3 instances ready on n2+n3 %d ms after SIGKILL of n1 (lease %d s):"
              + " %s%n",
          TimeUnit.NANOSECONDS.toMillis(replaced - killed), LEASE_SECONDS, after);
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
   * Waits until the nodes named report {@code total} ready instances between them; answers each
   * node's ready endpoints.
   */
  private static Map<String, List<String>> awaitReady(
      Cli cli, List<String> nodes, int total, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Map<String, List<String>> last = Map.of();
    while (System.nanoTime() < deadline) {
      Map<String, List<String>> now = new TreeMap<>();
      int count = 0;
      for (String n : nodes) {
        JsonNode view = cli.ok("nodes", "describe", n, "-o", "json").json();
        List<String> eps = new ArrayList<>();
        for (JsonNode i : view.path("instances")) {
          if ("READY".equals(i.path("state").asText())) {
            eps.add(i.path("endpoint").asText());
          }
        }
        count += eps.size();
        now.put(n, eps);
      }
      last = now;
      if (count == total) {
        return now;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        total + " ready instances on " + nodes + " not reached in " + seconds + " s: " + last);
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

  /** A {@code skiffd --roles node} process and what it prints. */
  private record Agent(Process process, List<String> lines) {
    void await(String text) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (System.nanoTime() < deadline) {
        synchronized (lines) {
          if (lines.stream().anyMatch(l -> l.contains(text))) {
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

    String output() {
      synchronized (lines) {
        return String.join("\n", lines);
      }
    }
  }

  private Agent agent(Path dir, int nodePort, String name, String address, Path join)
      throws Exception {
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
            join.resolve("bootstrap-token").toString(),
            "--control-plane-ca",
            join.resolve("ca.pem").toString(),
            "--advertise-address",
            address,
            "--node-cpu",
            "1",
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
