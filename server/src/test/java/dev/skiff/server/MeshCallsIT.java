package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.examples.Examples;
import dev.skiff.testing.Prerequisites;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Function-to-function calls through the mesh in skiffd: the {@code caller} example, a Wasm module
 * built from C against the wasi_experimental_http imports, calls the {@code hello} example by name
 * over mutual TLS with its own identity; the callee's policy (the default: its own namespace)
 * decides, and its 403 reaches the caller.
 */
class MeshCallsIT {
  @TempDir static Path dir;
  static RunningSkiffd skiffd;
  static Http http;
  static Cli cli;

  @BeforeAll
  static void start() throws Exception {
    Prerequisites.require(
        Examples.has(Examples.CALLER) && Examples.has(Examples.HELLO),
        "the C examples (clang for wasm32-wasi)",
        "apt-get install clang lld wasi-libc");
    skiffd = RunningSkiffd.start(dir.resolve("data"), 30, o -> o.meshSwitch = "on");
    http = new Http(HttpVersion.HTTP_1_1);
    cli = new MeshProbe(skiffd, http, dir).cli();
    deploy("default", "hello", Examples.HELLO);
    deploy("default", "caller", Examples.CALLER, "CALLEE_URL=http://hello.default/");
    deploy("default", "full", Examples.CALLER, "CALLEE_URL=http://hello.default.localhost/");
    deploy("default", "outside", Examples.CALLER, "CALLEE_URL=http://example.com/");
    deploy("other", "caller", Examples.CALLER, "CALLEE_URL=http://hello.default/");
  }

  @AfterAll
  static void stop() {
    if (http != null) {
      http.close();
    }
    if (skiffd != null) {
      skiffd.close();
    }
  }

  static void deploy(String namespace, String name, String example, String... env)
      throws Exception {
    Path file = Files.write(dir.resolve(example + ".wasm"), Examples.wasm(example));
    var args =
        new java.util.ArrayList<>(
            java.util.List.of(
                "deploy",
                name,
                "-n",
                namespace,
                "--wasm",
                file.toString(),
                "--annotation",
                MeshProbe.MIN_SCALE));
    for (String e : env) {
      args.add("--env");
      args.add(e);
    }
    cli.ok(args.toArray(String[]::new));
  }

  /** GET through the gateway, retried while the services' instances are still starting. */
  static Http.Response get(String host, String uri) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (true) {
      Http.Response r = http.get(skiffd.gatewayPort(), host, uri);
      boolean starting = r.status() == 503 || r.status() == 504 || r.text().contains("error 11");
      if (!starting || System.nanoTime() > deadline) {
        return r;
      }
      Thread.sleep(100); // poll interval while instances start, not a wait for a condition
    }
  }

  @Test
  void aWasmFunctionCallsAnotherByNameThroughTheMesh() throws Exception {
    Http.Response r = get("caller.default.localhost", "/?name=mesh");

    assertEquals(200, r.status(), r.text());
    assertEquals("Hello, mesh!", r.text().trim());
    assertEquals("200", r.headers().get("X-Callee-Status"));
  }

  @Test
  void theFullNameWithTheDomainWorksToo() throws Exception {
    Http.Response r = get("full.default.localhost", "/?name=full");

    assertEquals(200, r.status(), r.text());
    assertEquals("Hello, full!", r.text().trim());
  }

  @Test
  void theCalleesPolicyDeniesAnotherNamespaceAndThe403ReachesTheCaller() throws Exception {
    Http.Response r = get("caller.other.localhost", "/?name=intruder");

    assertEquals(403, r.status(), r.text());
    assertEquals("403", r.headers().get("X-Callee-Status"));
    assertTrue(r.text().contains("spiffe://skiff.local/ns/other/svc/caller"), r.text());
  }

  @Test
  void aHostOutsideTheMeshAndNotAllowedIsRefusedWithDestinationNotAllowed() throws Exception {
    Http.Response r = get("outside.default.localhost", "/");

    assertEquals(502, r.status(), r.text());
    assertTrue(r.text().contains("wasi_experimental_http error 7"), r.text());
  }
}
