package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.examples.Examples;
import dev.skiff.store.etcd.EtcdProcess;
import dev.skiff.store.etcd.EtcdStore;
import io.vertx.core.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two control planes on one etcd (every role but node, each its own process with its own API,
 * gateway and data directory) and a node agent that knows both: a service deployed through one is
 * served by both gateways; the leader SIGKILLed, the other takes the lead within the leader lease
 * plus 2 s, creates and serves a new revision, scales a service at zero from zero through its
 * gateway, and its gateway fails no request meanwhile.
 */
class ControlPlaneFailoverIT {
  private static final int LEADER_LEASE_SECONDS = 4;
  // Long enough that the node's heartbeats find the other control plane before its lease runs out.
  private static final int NODE_LEASE_SECONDS = 10;
  private static final String LEADER_KEY = "/skiff-leaders/" + Singletons.ROLE;

  @TempDir Path dir;
  private EtcdProcess etcd;
  private EtcdStore peek;
  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Process p : processes) {
      p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    if (peek != null) {
      peek.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  void theOtherControlPlaneTakesOverWithinTheLeaseAndItsGatewayFailsNothing() throws Exception {
    etcd = EtcdProcess.startNew();
    peek = EtcdStore.builder().withUrl(etcd.url()).build();
    // One after the other: the first makes the mesh CA, the second finds it.
    ControlPlaneProcess a = controlPlane("a");
    awaitLeader(a.process(), 60);
    ControlPlaneProcess b = controlPlane("b");

    Path join = dir.resolve("join");
    a.cli().ok("nodes", "token", "create", "--out", join.toString());
    Process node = node(join, a.nodePort(), b.nodePort());
    processes.add(node);

    Path hello = Files.write(dir.resolve("hello.wasm"), Examples.wasm(Examples.HELLO));
    a.cli()
        .ok(
            "deploy",
            "hello",
            "--wasm",
            hello.toString(),
            "--annotation",
            "autoscaling.knative.dev/min-scale=1",
            "--no-wait");
    // A service created at zero: only a request wakes it.
    a.cli()
        .ok(
            "deploy",
            "sleepy",
            "--wasm",
            hello.toString(),
            "--annotation",
            "autoscaling.knative.dev/initial-scale=0",
            "--no-wait");

    try (Http http = new Http(HttpVersion.HTTP_1_1);
        Http loadHttp = new Http(HttpVersion.HTTP_1_1)) {
      // Served by both gateways.
      awaitSettled(http, a.gateway(), "hello", 120);
      awaitSettled(http, b.gateway(), "hello", 60);

      Loader loader = new Loader(loadHttp, b.gateway());
      loader.start();
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (System.nanoTime() < until && loader.sent() < 20) {
        Thread.sleep(10);
      }

      // SIGKILL the leader; the other leads within the lease plus 2 s.
      a.process().destroyForcibly();
      a.process().waitFor(30, TimeUnit.SECONDS);
      long killed = System.nanoTime();
      awaitLeader(b.process(), LEADER_LEASE_SECONDS + 2);
      long led = System.nanoTime();
      System.out.printf(
          "ControlPlaneFailoverIT: b leads %d ms after SIGKILL of a (leader lease %d s)%n",
          TimeUnit.NANOSECONDS.toMillis(led - killed), LEADER_LEASE_SECONDS);

      // A new revision deployed through the survivor is created, placed and served.
      Path greet = Files.write(dir.resolve("greet.wasm"), Examples.wasm(Examples.GREET));
      b.cli().ok("deploy", "hello", "--wasm", greet.toString(), "--no-wait");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      String last = "";
      while (true) {
        Http.Response r = http.get(b.gateway(), "hello.default.localhost", "/new");
        last = r.status() + " " + r.text();
        if (r.status() == 200 && !r.text().startsWith("Hello,")) {
          break;
        }
        assertTrue(System.nanoTime() < deadline, "the new revision never answered: " + last);
        Thread.sleep(100);
      }
      long served = System.nanoTime();
      System.out.printf(
          "ControlPlaneFailoverIT: the new revision answered %d ms after the takeover: %s%n",
          TimeUnit.NANOSECONDS.toMillis(served - led), last.strip());

      // A service at zero scales from zero through the survivor's gateway.
      Http.Response woken = http.get(b.gateway(), "sleepy.default.localhost", "/?name=zero");
      assertEquals(200, woken.status(), woken.text());
      assertEquals("Hello, zero!", woken.text().trim());

      List<Loader.Outcome> outcomes = loader.finish();
      List<Loader.Outcome> failed = outcomes.stream().filter(o -> !o.ok()).toList();
      System.out.printf(
          "ControlPlaneFailoverIT: %d GETs through b's gateway across the failover, %d failed%n",
          outcomes.size(), failed.size());
      assertEquals(List.of(), failed, "no request through the survivor's gateway may fail");
      assertTrue(outcomes.size() > 20, "the load kept going: " + outcomes.size());
    }
  }

  /** Waits until the campaign of {@code p} holds the leader key. */
  private void awaitLeader(Process p, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    String holder = "";
    while (System.nanoTime() < deadline) {
      var e =
          peek.get(LEADER_KEY).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      holder = e.map(x -> new String(x.value(), StandardCharsets.UTF_8)).orElse("");
      if (holder.contains("-" + p.pid() + "-")) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(
        "pid "
            + p.pid()
            + " did not lead within "
            + seconds
            + " s; the key holds '"
            + holder
            + "'");
  }

  private ControlPlaneProcess controlPlane(String name) throws Exception {
    ControlPlaneProcess cp =
        ControlPlaneProcess.builder(dir.resolve(name), dir.resolve("config-" + name))
            .store(etcd.url())
            .flags("--leader-lease", LEADER_LEASE_SECONDS + "s")
            .leaseSeconds(NODE_LEASE_SECONDS)
            .launch();
    processes.add(cp.process());
    return cp;
  }

  private Process node(Path join, int... nodePorts) throws Exception {
    List<String> planes = new ArrayList<>();
    for (int port : nodePorts) {
      planes.add("127.0.0.1:" + port);
    }
    List<String> flags =
        NodeProcess.nodeFlags(
            dir,
            String.join(",", planes),
            "n1",
            join.resolve("bootstrap-token"),
            join,
            "--advertise-address",
            "127.0.0.2",
            "--node-cpu",
            "2",
            "--node-memory",
            "1Gi");
    return NodeProcess.run(NodeProcess.command(flags), "[n1] ").process();
  }

  /** Ten answers in a row from {@code service} through {@code gateway}. */
  private static void awaitSettled(Http http, int gateway, String service, int seconds)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    int inARow = 0;
    String last = "";
    while (inARow < 10) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "no ten answers in a row from " + service + " within " + seconds + " s; last: " + last);
      }
      try {
        Http.Response r = http.get(gateway, service + ".default.localhost", "/?name=w");
        inARow = r.status() == 200 ? inARow + 1 : 0;
        last = r.status() + " " + r.text();
      } catch (Exception e) {
        inARow = 0;
        last = e.toString();
      }
      if (inARow == 0) {
        Thread.sleep(100);
      }
    }
  }

  /** GETs one after another from a thread of its own, until stopped. */
  private static final class Loader extends Thread {
    record Outcome(long sentAt, boolean ok, String what) {}

    private final Http http;
    private final int gateway;
    private final List<Outcome> outcomes = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean stopped;

    Loader(Http http, int gateway) {
      super("failover-load");
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
        try {
          Http.Response r = http.get(gateway, "hello.default.localhost", "/?name=x");
          outcomes.add(new Outcome(at, r.status() == 200, r.status() + " " + r.text()));
        } catch (Exception e) {
          outcomes.add(new Outcome(at, false, e.toString()));
        }
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
}
