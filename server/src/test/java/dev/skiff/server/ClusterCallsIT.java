package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.examples.Examples;
import dev.skiff.testing.Prerequisites;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Function-to-function calls between remote nodes, every part its own process on loopback: one
 * control plane (no node in its JVM) and two {@code skiffd --roles node} agents. The callee ({@code
 * hello}) runs on n1; the callers (the {@code caller} example, a Wasm module calling {@code
 * http://hello.default/} through wasi_experimental_http) on n2, steered there by cordoning n1. The
 * call goes from n2 straight to n1's sidecar over mTLS with the calling service's own identity,
 * routed by what n2 learned from the control plane (WatchRoutes): the callee answers, and its
 * policy (the default: its own namespace) refuses the caller of another namespace by name.
 */
class ClusterCallsIT {
  private static final int LEASE_SECONDS = 8;

  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Process p : processes) {
      p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aWasmFunctionOnOneNodeCallsAFunctionOnAnotherWithItsOwnIdentity(@TempDir Path dir)
      throws Exception {
    Prerequisites.require(
        Examples.has(Examples.CALLER) && Examples.has(Examples.HELLO),
        "the C examples (clang for wasm32-wasi)",
        "apt-get install clang lld wasi-libc");
    ControlPlaneProcess cp =
        ControlPlaneProcess.builder(dir.resolve("cp"), dir.resolve("config"))
            .leaseSeconds(LEASE_SECONDS)
            .launch();
    processes.add(cp.process());
    int gateway = cp.gateway();
    int nodePort = cp.nodePort();
    Cli cli = cp.cli();
    Path join = cp.createJoinToken(dir.resolve("join"));

    // The callee on n1, the only node yet.
    agent(dir, nodePort, "n1", "127.0.0.2", join).await("registered");
    deploy(cli, dir, "default", "hello", Examples.HELLO);
    awaitReady(cli, "n1", 1, 90);

    // The callers on n2: n1 cordoned, so placement puts them there.
    agent(dir, nodePort, "n2", "127.0.0.3", join).await("registered");
    cli.ok("nodes", "cordon", "n1");
    deploy(cli, dir, "default", "caller", Examples.CALLER, "CALLEE_URL=http://hello.default/");
    deploy(cli, dir, "other", "caller", Examples.CALLER, "CALLEE_URL=http://hello.default/");
    awaitReady(cli, "n2", 2, 90);
    awaitReady(cli, "n1", 1, 5); // the callee stayed on n1

    try (Http http = new Http(HttpVersion.HTTP_1_1)) {
      Http.Response ok = get(http, gateway, "caller.default.localhost", "/?name=remote");
      assertEquals(200, ok.status(), ok.text());
      assertEquals("Hello, remote!", ok.text().trim());
      assertEquals("200", ok.headers().get("X-Callee-Status"));

      Http.Response denied = get(http, gateway, "caller.other.localhost", "/?name=intruder");
      assertEquals(403, denied.status(), denied.text());
      assertEquals("403", denied.headers().get("X-Callee-Status"));
      assertTrue(denied.text().contains("spiffe://skiff.local/ns/other/svc/caller"), denied.text());
    }
  }

  private static void deploy(
      Cli cli, Path dir, String namespace, String name, String example, String... env)
      throws Exception {
    Path file = dir.resolve(example + ".wasm");
    if (!Files.exists(file)) {
      Files.write(file, Examples.wasm(example));
    }
    List<String> args =
        new ArrayList<>(
            List.of(
                "deploy",
                name,
                "-n",
                namespace,
                "--wasm",
                file.toString(),
                "--annotation",
                "autoscaling.knative.dev/min-scale=1",
                "--no-wait"));
    for (String e : env) {
      args.add("--env");
      args.add(e);
    }
    cli.ok(args.toArray(String[]::new));
  }

  /**
   * GET through the control plane's gateway, polled while the answer is not final: instances
   * starting (503, 504), or the caller's call failing while the route or the callee's endpoint has
   * not reached its node yet (502, or the caller's own error).
   */
  private static Http.Response get(Http http, int gateway, String host, String uri)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (true) {
      Http.Response r;
      try {
        r = http.get(gateway, host, uri);
      } catch (Exception e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(100); // poll interval, not a wait for a condition
        continue;
      }
      boolean finalAnswer = r.status() == 200 || r.status() == 403;
      if (finalAnswer || System.nanoTime() > deadline) {
        return r;
      }
      Thread.sleep(100); // poll interval while instances start and routes spread
    }
  }

  /** Waits until {@code node} reports {@code count} ready instances. */
  private static void awaitReady(Cli cli, String node, int count, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    JsonNode view = null;
    while (System.nanoTime() < deadline) {
      view = cli.ok("nodes", "describe", node, "-o", "json").json();
      int ready = 0;
      for (JsonNode i : view.path("instances")) {
        if ("READY".equals(i.path("state").asText())) {
          ready++;
        }
      }
      if (ready == count) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        count + " ready instances on " + node + " not reached in " + seconds + " s: " + view);
  }

  private NodeProcess agent(Path dir, int nodePort, String name, String address, Path join)
      throws Exception {
    NodeProcess p = NodeProcess.start(dir, nodePort, name, address, join, List.of());
    processes.add(p.process());
    return p;
  }
}
