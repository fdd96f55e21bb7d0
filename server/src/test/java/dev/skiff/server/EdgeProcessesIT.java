package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.examples.Examples;
import dev.skiff.store.etcd.EtcdProcess;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Edges as processes of their own on a real etcd: one control plane (every role but node), one
 * {@code skiffd --roles node} agent on 127.0.0.2 and TWO {@code skiffd --roles gateway,activator}
 * edges on their own ports, each reading what it serves from etcd and joining the control plane's
 * node port with a bootstrap token. A Wasm service answers through both; a revision created at zero
 * answers its first request through an edge (the edge's activator pokes the control plane's
 * autoscaler over the node port); a SIGKILLed edge fails nothing but the request it had in flight
 * (a client alternating between the edges retries only requests that could not connect to the dead
 * one), and it serves again once restarted; a control plane SIGKILLed and started again on an empty
 * data directory against the same etcd fails no request sent through the edges meanwhile. Each edge
 * answers {@code /healthz} and {@code /metrics} on its API port; a SIGKILLed node agent's endpoint
 * leaves both edges well before its lease runs out, and comes back when it reports again.
 */
class EdgeProcessesIT {
  // Long enough that the node kill below is told apart from its lease running out: the edges must
  // drop the dead node's endpoint within half of it.
  private static final int LEASE_SECONDS = 30;
  private static final String HELLO = "hello.default.localhost";

  private final List<Process> processes = Collections.synchronizedList(new ArrayList<>());
  private EtcdProcess etcd;

  @AfterEach
  void stop() throws Exception {
    synchronized (processes) {
      for (Process p : processes) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void twoEdgesServeFromEtcdAndSurviveAnEdgeRestartAndAControlPlaneRestart(@TempDir Path dir)
      throws Exception {
    etcd = EtcdProcess.startNew();
    ControlPlaneProcess controlPlane =
        ControlPlaneProcess.builder(dir.resolve("cp"), dir.resolve("config"))
            .store(etcd.url())
            .leaseSeconds(LEASE_SECONDS)
            .launch();
    Process cp = controlPlane.process();
    processes.add(cp);
    int nodePort = controlPlane.nodePort();
    Cli cli = controlPlane.cli();
    Path join = controlPlane.createJoinToken(dir.resolve("join"));
    List<String> nodeFlags =
        List.of(
            "--roles",
            "node",
            "--control-plane",
            "127.0.0.1:" + nodePort,
            "--node-name",
            "n1",
            "--data-dir",
            dir.resolve("node-n1").toString(),
            "--bootstrap-token",
            join.resolve("bootstrap-token").toString(),
            "--control-plane-ca",
            join.resolve("ca.pem").toString(),
            "--advertise-address",
            "127.0.0.2",
            "--node-cpu",
            "2",
            "--node-memory",
            "2Gi");
    NodeProcess node = start(nodeFlags);
    node.await("registered");
    int[] edges = {SkiffdProcess.freePort(), SkiffdProcess.freePort()};
    int[] admins = {SkiffdProcess.freePort(), SkiffdProcess.freePort()};
    List<String> e1Flags = edgeFlags("e1", edges[0], admins[0], nodePort, join);
    List<String> e2Flags = edgeFlags("e2", edges[1], admins[1], nodePort, join);
    NodeProcess e1 = start(e1Flags);
    NodeProcess e2 = start(e2Flags);
    e1.await("skiffd ready");
    e2.await("skiffd ready");
    for (int admin : admins) {
      Reply health = adminGet(admin, "/healthz");
      assertEquals(200, health.status(), health.body());
      assertTrue(health.body().contains("\"ok\""), health.body());
    }

    Path wasm = Files.write(dir.resolve("hello.wasm"), Examples.wasm(Examples.HELLO));
    cli.ok(
        "deploy",
        "hello",
        "--wasm",
        wasm.toString(),
        "--annotation",
        "autoscaling.knative.dev/min-scale=1",
        "--no-wait");
    // Both edges answer for it, from what they read in etcd.
    for (int port : edges) {
      awaitAnswers(port, HELLO, 10, 120);
    }
    // Each edge's /metrics: its gateway's meters and the node's endpoint it routes to.
    for (int admin : admins) {
      String metrics = adminGet(admin, "/metrics").body();
      assertTrue(metrics.contains("skiff_gateway_requests_total{"), metrics);
      awaitNodeEndpoints(admin, "n1", 1, Integer.MAX_VALUE, 30);
    }

    // A revision created at zero answers its first request through an edge.
    cli.ok(
        "deploy",
        "zero",
        "--wasm",
        wasm.toString(),
        "--annotation",
        "autoscaling.knative.dev/initial-scale=0",
        "--no-wait");
    assertEquals(0, readyInstances(cli, "zero"), "created at zero");
    long cold = System.nanoTime();
    Reply first = awaitRouted(edges[1], "zero.default.localhost", 60);
    System.out.printf(
        "EdgeProcessesIT: zero's first request through edge e2 answered %d in %d ms%n",
        first.status(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cold));
    assertEquals(200, first.status(), first.toString());
    assertEquals("Hello, z!", first.body().trim());

    // SIGKILL edge e2 under load alternating between the edges.
    Loader loader = new Loader(edges);
    loader.start();
    loader.awaitSent(40);
    e2.process().destroyForcibly();
    e2.process().waitFor(10, TimeUnit.SECONDS);
    long killed = System.nanoTime();
    loader.awaitSentAfter(killed, 20);
    // Restarted under the same load (a gateway restart), it joins with the same token and serves.
    e2 = start(e2Flags);
    e2.await("skiffd ready");
    long back = System.nanoTime();
    loader.awaitSentAfter(back, 40);
    List<Outcome> duringKill = loader.finish();
    long inFlight =
        duringKill.stream()
            .filter(o -> !o.ok() && o.edge() == edges[1] && o.sentAt() < killed)
            .count();
    List<Outcome> otherFailures =
        duringKill.stream()
            .filter(o -> !o.ok() && !(o.edge() == edges[1] && o.sentAt() < killed))
            .toList();
    long retried = duringKill.stream().filter(Outcome::retried).count();
    long servedByE2Again =
        duringKill.stream()
            .filter(o -> o.sentAt() > back && o.edge() == edges[1] && o.ok() && !o.retried())
            .count();
    System.out.printf(
        "EdgeProcessesIT: edge kill and restart: %d GETs, %d failed in flight on e2, %d retried on"
            + " e1 after failing to connect to e2 (down %.1f s), %d answered by e2 once back%n",
        duringKill.size(), inFlight, retried, (back - killed) / 1e9, servedByE2Again);
    assertTrue(inFlight <= 1, "at most the one request in flight on e2: " + duringKill);
    assertEquals(List.of(), otherFailures, "no failure but the one in flight on the killed edge");
    assertTrue(retried > 0, "requests to the dead edge were retried on the other");
    assertTrue(servedByE2Again > 0, "the restarted edge serves: " + duringKill);

    // SIGKILL the node agent: its connection resets, the control plane deletes its stored instance
    // report, and both edges drop its endpoint long before its lease could run out (at least
    // lease - heartbeat interval = 20 s after the kill). Started again, it reports again.
    node.process().destroyForcibly();
    node.process().waitFor(10, TimeUnit.SECONDS);
    long nodeKilled = System.nanoTime();
    for (int admin : admins) {
      awaitNodeEndpoints(admin, "n1", 0, 0, LEASE_SECONDS / 2);
    }
    System.out.printf(
        "EdgeProcessesIT: node n1 SIGKILLed: both edges dropped its endpoint %d ms later (lease"
            + " %d s)%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nodeKilled), LEASE_SECONDS);
    node = start(nodeFlags);
    node.await("registered");
    for (int port : edges) {
      awaitAnswers(port, HELLO, 10, 120);
    }
    for (int admin : admins) {
      awaitNodeEndpoints(admin, "n1", 1, Integer.MAX_VALUE, 30);
    }

    // The control plane SIGKILLed and started again on an empty data directory, same etcd, under
    // load through both edges: nothing on their warm path needs it.
    loader = new Loader(edges);
    loader.start();
    loader.awaitSent(40);
    cp.destroyForcibly();
    cp.waitFor(10, TimeUnit.SECONDS);
    processes.remove(cp);
    long cpKilled = System.nanoTime();
    loader.awaitSentAfter(cpKilled, 20);
    cp = controlPlane.relaunch(dir.resolve("cp-again"));
    processes.add(cp);
    long cpBack = System.nanoTime();
    loader.awaitSentAfter(cpBack, 40);
    List<Outcome> duringRestart = loader.finish();
    List<Outcome> failed = duringRestart.stream().filter(o -> !o.ok()).toList();
    System.out.printf(
        "EdgeProcessesIT: control-plane restart: %d GETs through both edges (%d while it was"
            + " down, %.1f s), %d failed%n",
        duringRestart.size(),
        duringRestart.stream().filter(o -> o.sentAt() > cpKilled && o.sentAt() < cpBack).count(),
        (cpBack - cpKilled) / 1e9,
        failed.size());
    assertEquals(List.of(), failed, "no request failed across the control plane's restart");
  }

  private List<String> edgeFlags(String name, int port, int admin, int nodePort, Path join) {
    return List.of(
        "--api-port",
        Integer.toString(admin),
        "--roles",
        "gateway,activator",
        "--store",
        etcd.url(),
        "--node-name",
        name,
        "--gateway-port",
        Integer.toString(port),
        "--control-plane",
        "127.0.0.1:" + nodePort,
        "--bootstrap-token",
        join.resolve("bootstrap-token").toString(),
        "--control-plane-ca",
        join.resolve("ca.pem").toString());
  }

  /** GET {@code path} on an edge's admin port, on a connection of its own. */
  private static Reply adminGet(int port, String path) throws Exception {
    return request(port, "127.0.0.1", path);
  }

  /**
   * Waits until the edge's {@code skiff_edge_node_endpoints} for {@code node} is at least {@code
   * min} and at most {@code max}.
   */
  private static void awaitNodeEndpoints(int admin, String node, int min, int max, int seconds)
      throws Exception {
    String prefix = "skiff_edge_node_endpoints{node=\"" + node + "\"} ";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    String last = "";
    while (System.nanoTime() < deadline) {
      try {
        last =
            adminGet(admin, "/metrics")
                .body()
                .lines()
                .filter(l -> l.startsWith(prefix))
                .findFirst()
                .orElse("(none)");
      } catch (java.io.IOException e) {
        last = e.toString(); // asked again
      }
      if (last.startsWith(prefix)) {
        double n = Double.parseDouble(last.substring(prefix.length()));
        if (n >= min && n <= max) {
          return;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "the edge on "
            + admin
            + " did not count "
            + min
            + " to "
            + max
            + " endpoints of "
            + node
            + " within "
            + seconds
            + " s: "
            + last);
  }

  /** How many instances of {@code service} are Ready, as {@code skiff instances} lists them. */
  private static int readyInstances(Cli cli, String service) throws Exception {
    JsonNode listed = cli.ok("instances", service, "-o", "json").json();
    int n = 0;
    for (JsonNode i : listed.path("items")) {
      if ("Ready".equals(i.path("state").asText())) {
        n++;
      }
    }
    return n;
  }

  /** Waits until {@code inARow} GETs in a row answer 200 through the edge on {@code port}. */
  private static void awaitAnswers(int port, String host, int inARow, int seconds)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    int ok = 0;
    String last = "";
    while (ok < inARow) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "no "
                + inARow
                + " answers in a row on port "
                + port
                + " in "
                + seconds
                + " s: "
                + last);
      }
      try {
        Reply r = get(port, host, "w");
        ok = r.status() == 200 ? ok + 1 : 0;
        last = r.toString();
      } catch (Exception e) {
        ok = 0;
        last = e.toString();
      }
      if (ok == 0) {
        Thread.sleep(100);
      }
    }
  }

  /** The first answer that is not a 404 (the edge has not read the service from etcd yet). */
  private static Reply awaitRouted(int port, String host, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (true) {
      Reply r = get(port, host, "z");
      if (r.status() != 404 || System.nanoTime() > deadline) {
        return r;
      }
      Thread.sleep(100);
    }
  }

  /**
   * One GET on a connection of its own ({@code Connection: close}), so that a refused connection is
   * told apart from any other failure: a request that could not connect reached no one.
   */
  static Reply get(int port, String host, String name) throws Exception {
    return request(port, host, "/?name=" + name);
  }

  private static Reply request(int port, String host, String path) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      s.setSoTimeout(60_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      in.transferTo(all);
      String text = all.toString(StandardCharsets.UTF_8);
      int sp = text.indexOf(' ');
      if (!text.startsWith("HTTP/1.1 ") || sp < 0 || text.length() < sp + 4) {
        throw new java.io.IOException("not an HTTP answer: '" + text + "'");
      }
      int status = Integer.parseInt(text.substring(sp + 1, sp + 4));
      int blank = text.indexOf("\r\n\r\n");
      String body = blank < 0 ? "" : text.substring(blank + 4);
      if (text.toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
        body = unchunk(body);
      }
      return new Reply(status, body);
    }
  }

  private static String unchunk(String chunked) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < chunked.length()) {
      int eol = chunked.indexOf("\r\n", i);
      if (eol < 0) {
        break;
      }
      int size = Integer.parseInt(chunked.substring(i, eol).split(";")[0].trim(), 16);
      if (size == 0) {
        break;
      }
      out.append(chunked, eol + 2, Math.min(chunked.length(), eol + 2 + size));
      i = eol + 2 + size + 2;
    }
    return out.toString();
  }

  record Reply(int status, String body) {}

  /**
   * One GET's outcome.
   *
   * @param edge the port it was sent to first
   * @param retried it could not connect there and was sent to the other edge
   */
  record Outcome(int edge, long sentAt, boolean ok, boolean retried, String detail) {}

  /**
   * GETs one after another from a thread of its own, alternating between the edges; a GET that
   * cannot connect to its edge (refused: it reached no one) is sent to the other one, nothing else
   * is retried.
   */
  private static final class Loader extends Thread {
    private final int[] edges;
    private final List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean stopped;

    Loader(int[] edges) {
      super("edge-load");
      setDaemon(true);
      this.edges = edges;
    }

    @Override
    public void run() {
      int i = 0;
      while (!stopped) {
        int edge = edges[i % 2];
        int other = edges[(i + 1) % 2];
        i++;
        long at = System.nanoTime();
        String name = "l" + i;
        boolean retried = false;
        String detail;
        boolean ok;
        try {
          Reply r;
          try {
            r = get(edge, HELLO, name);
          } catch (ConnectException e) {
            retried = true;
            r = get(other, HELLO, name);
          }
          ok = r.status() == 200 && r.body().trim().equals("Hello, " + name + "!");
          detail = r.toString();
        } catch (Exception e) {
          ok = false;
          detail = e.toString();
        }
        outcomes.add(new Outcome(edge, at, ok, retried, detail));
      }
    }

    void awaitSent(int n) throws InterruptedException {
      awaitSentAfter(0, n);
    }

    /** Waits until {@code n} GETs were sent after {@code nanoTime} (2 min at most). */
    void awaitSentAfter(long nanoTime, int n) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
      while (System.nanoTime() < deadline) {
        long count;
        synchronized (outcomes) {
          count = outcomes.stream().filter(o -> o.sentAt() > nanoTime).count();
        }
        if (count >= n) {
          return;
        }
        Thread.sleep(20);
      }
      throw new AssertionError("the load did not get " + n + " answers in 2 min: " + outcomes);
    }

    List<Outcome> finish() throws InterruptedException {
      stopped = true;
      join(TimeUnit.SECONDS.toMillis(90));
      synchronized (outcomes) {
        return List.copyOf(outcomes);
      }
    }
  }

  private NodeProcess start(List<String> flags) throws Exception {
    NodeProcess p = NodeProcess.start(flags);
    processes.add(p.process());
    return p;
  }
}
