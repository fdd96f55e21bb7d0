package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.examples.Examples;
import dev.skiff.store.etcd.EtcdProcess;
import dev.skiff.testing.NodeNetworks;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node-loss acceptance on machines made of network namespaces: etcd and a control plane
 * (every role but node) in the root namespace, three {@code skiffd --roles node} agents each in a
 * namespace of its own with its own address on a veth pair ({@link NodeNetworks}). A Wasm service
 * with min-scale 6 spreads 2/2/2; GETs keep coming through the gateway, one after another from each
 * of a few clients, while (a) one node agent is SIGKILLed and (b) another node's link is cut (no
 * reset: its packets are dropped). Not one GET may fail, and the lost node's instances must be
 * re-placed and ready within the lease plus 2 s.
 */
class ClusterNodeLossIT {
  // Long enough that a heartbeat delayed by a loaded machine (CI) does not lose a lease.
  private static final int LEASE_SECONDS = 8;
  private static final int CLIENTS = 4;
  private static final List<String> NODES = List.of("n1", "n2", "n3");

  private final List<Process> processes = new ArrayList<>();
  private NodeNetworks networks;
  private EtcdProcess etcd;

  @AfterEach
  void stop() throws Exception {
    for (Process p : processes) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    if (networks != null) {
      networks.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  void noGetFailsWhenANodeIsKilledOrCutOffAndItsInstancesMoveWithinTheLease(@TempDir Path dir)
      throws Exception {
    networks = NodeNetworks.create(NODES.size());
    etcd = EtcdProcess.startNew();
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
                "--store",
                etcd.url(),
                "--node-port",
                Integer.toString(nodePort),
                "--node-host",
                networks.hostAddress(),
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
      agents.put(
          NODES.get(i),
          agent(dir, networks.node(i + 1), networks.hostAddress(), nodePort, NODES.get(i), join));
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
        "autoscaling.knative.dev/min-scale=6",
        "--no-wait");

    // Two ready instances on each node, at the node's own address in its namespace.
    Map<String, List<String>> ready = awaitReady(cli, NODES, 6, 120);
    for (int i = 0; i < NODES.size(); i++) {
      List<String> endpoints = ready.get(NODES.get(i));
      assertEquals(2, endpoints.size(), "spread two per node: " + ready);
      String address = networks.node(i + 1).address();
      assertTrue(endpoints.stream().allMatch(e -> e.startsWith(address + ":")), ready.toString());
    }

    List<String> report = new ArrayList<>();
    int failures = 0;
    try (Http http = new Http(HttpVersion.HTTP_1_1)) {
      awaitSettled(http, gateway);

      // (a) SIGKILL of n1's agent under load.
      Load load = Load.start(http, gateway, CLIENTS);
      load.awaitSent(50);
      Agent n1 = agents.get("n1");
      n1.process.destroyForcibly();
      n1.process.waitFor(10, TimeUnit.SECONDS);
      long killed = System.nanoTime();
      Map<String, List<String>> afterKill =
          awaitReady(cli, List.of("n2", "n3"), 6, LEASE_SECONDS + 2);
      long replaced = System.nanoTime();
      load.awaitSent(load.sent() + 50); // some load on the new placement
      Load.Result a = load.finish();
      report.add(
          String.format(
              "SIGKILL n1: 6 ready on n2+n3 %d ms after the kill (lease %d s) %s; %s",
              TimeUnit.NANOSECONDS.toMillis(replaced - killed), LEASE_SECONDS, afterKill, a));
      failures += a.failed().size();

      // (b) n3's link cut under load: its packets dropped, nobody told.
      load = Load.start(http, gateway, CLIENTS);
      load.awaitSent(50);
      networks.node(3).cut();
      long cut = System.nanoTime();
      Map<String, List<String>> afterCut = awaitReady(cli, List.of("n2"), 6, LEASE_SECONDS + 2);
      long moved = System.nanoTime();
      load.awaitSent(load.sent() + 50);
      Load.Result b = load.finish();
      report.add(
          String.format(
              "cut n3: 6 ready on n2 %d ms after the cut (lease %d s) %s; %s",
              TimeUnit.NANOSECONDS.toMillis(moved - cut), LEASE_SECONDS, afterCut, b));
      failures += b.failed().size();
      report.forEach(l -> System.out.println("ClusterNodeLossIT: " + l));
      report.add("retries: " + metric(http, api, "skiff_gateway_retries_total"));
      System.out.println("ClusterNodeLossIT: " + report.get(report.size() - 1));
      assertEquals(0, failures, "failed GETs: " + report);
    }
  }

  /** The lines of skiffd's /metrics (on its API port) that name {@code name}. */
  private static String metric(Http http, int api, String name) {
    try {
      Http.Response r = http.get(api, "127.0.0.1", "/metrics");
      return r.text().lines().filter(l -> l.startsWith(name)).toList().toString();
    } catch (Exception e) {
      return "(no metrics: " + e + ")";
    }
  }

  private static void awaitSettled(Http http, int gateway) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    int inARow = 0;
    String last = "";
    while (inARow < 20) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no twenty answers in a row within 90 s; last: " + last);
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

  /** A few clients, each sending GETs one after another from a thread of its own. */
  private static final class Load {
    record Result(int sent, List<String> failed, long slowestMillis) {
      @Override
      public String toString() {
        return sent
            + " GETs, "
            + failed.size()
            + " failed"
            + (failed.isEmpty() ? "" : failed)
            + ", slowest "
            + slowestMillis
            + " ms";
      }
    }

    private final List<Thread> threads = new ArrayList<>();
    private final List<String> failed = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicLong slowestNanos = new AtomicLong();
    private volatile boolean stopped;

    static Load start(Http http, int gateway, int clients) {
      Load load = new Load();
      for (int c = 0; c < clients; c++) {
        int client = c;
        Thread t = new Thread(() -> load.run(http, gateway, client), "load-" + c);
        t.setDaemon(true);
        load.threads.add(t);
        t.start();
      }
      return load;
    }

    private void run(Http http, int gateway, int client) {
      for (int i = 0; !stopped; i++) {
        String name = "c" + client + "x" + i;
        long at = System.nanoTime();
        try {
          Http.Response r = http.get(gateway, "hello.default.localhost", "/?name=" + name);
          if (r.status() != 200 || !r.text().trim().equals("Hello, " + name + "!")) {
            failed.add(name + ": " + r.status() + " " + r.text().trim());
          }
        } catch (Exception e) {
          failed.add(
              name
                  + ": "
                  + e
                  + " after "
                  + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - at)
                  + " ms");
        }
        long took = System.nanoTime() - at;
        slowestNanos.accumulateAndGet(took, Math::max);
        sent.incrementAndGet();
      }
    }

    int sent() {
      return sent.get();
    }

    /** Waits until {@code n} GETs were answered (or failed), within 60 s. */
    void awaitSent(int n) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (sent.get() < n && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    }

    Result finish() throws InterruptedException {
      stopped = true;
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(60));
      }
      synchronized (failed) {
        return new Result(
            sent.get(), List.copyOf(failed), TimeUnit.NANOSECONDS.toMillis(slowestNanos.get()));
      }
    }
  }

  /** A {@code skiffd --roles node} process in its namespace and what it prints. */
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

  private Agent agent(
      Path dir, NodeNetworks.Node node, String controlPlane, int nodePort, String name, Path join)
      throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command =
        node.command(
            List.of(
                java,
                "-jar",
                Path.of("target", "skiffd.jar").toAbsolutePath().toString(),
                "--roles",
                "node",
                "--control-plane",
                controlPlane + ":" + nodePort,
                "--node-name",
                name,
                "--data-dir",
                dir.resolve("node-" + name).toString(),
                "--bootstrap-token",
                join.resolve("bootstrap-token").toString(),
                "--control-plane-ca",
                join.resolve("ca.pem").toString(),
                "--advertise-address",
                node.address(),
                "--node-cpu",
                "2",
                "--node-memory",
                "2Gi"));
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
