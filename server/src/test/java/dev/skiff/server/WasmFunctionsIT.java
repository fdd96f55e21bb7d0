package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.examples.Examples;
import dev.skiff.wasm.Wat;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Wasm functions end to end: CLI deploy, the real gateway, the node agent, the Chicory host. */
class WasmFunctionsIT {
  @TempDir static Path dir;
  static RunningSkiffd skiffd;
  static Cli cli;
  static Http h1;
  static Http h2;

  @BeforeAll
  static void start() throws Exception {
    skiffd = RunningSkiffd.start(dir.resolve("data"));
    cli = new Cli(skiffd);
    h1 = new Http(HttpVersion.HTTP_1_1);
    h2 = new Http(HttpVersion.HTTP_2);
    deploy("hello", Examples.wasm(Examples.HELLO));
    deploy("echo", Examples.wasm(Examples.ECHO));
  }

  @AfterAll
  static void stop() {
    h1.close();
    h2.close();
    skiffd.close();
  }

  static void deploy(String name, byte[] module, String... flags) throws Exception {
    Path file = Files.write(dir.resolve(name + "-" + System.nanoTime() + ".wasm"), module);
    List<String> args = new ArrayList<>(List.of("deploy", name, "--wasm", file.toString()));
    args.addAll(List.of(flags));
    cli.ok(args.toArray(String[]::new));
  }

  static Http client(HttpVersion v) {
    return v == HttpVersion.HTTP_2 ? h2 : h1;
  }

  @ParameterizedTest
  @EnumSource(
      value = HttpVersion.class,
      names = {"HTTP_1_1", "HTTP_2"})
  void answersGetWithQuery(HttpVersion version) throws Exception {
    var r = client(version).get(skiffd.gatewayPort(), "hello.default.localhost", "/?name=skiff");
    assertEquals(200, r.status());
    assertEquals("Hello, skiff!", r.text().trim(), () -> "headers: " + r.headers());
    assertEquals("hello-00001", r.headers().get("X-Skiff-Revision"));
  }

  @ParameterizedTest
  @EnumSource(
      value = HttpVersion.class,
      names = {"HTTP_1_1", "HTTP_2"})
  void echoesOneMebibyteBodyIntact(HttpVersion version) throws Exception {
    byte[] body = new byte[1 << 20];
    new Random(42).nextBytes(body);
    var r =
        client(version)
            .send(
                HttpMethod.POST,
                skiffd.gatewayPort(),
                "echo.default.localhost",
                "/upload?kind=bin",
                Map.of("Content-Type", "application/octet-stream"),
                Buffer.buffer(body));
    assertEquals(200, r.status());
    assertArrayEquals(sha256(body), sha256(r.body().getBytes()));
    assertEquals("POST", r.headers().get("X-Echo-Method"));
    assertEquals("/upload", r.headers().get("X-Echo-Path"));
    assertEquals("kind=bin", r.headers().get("X-Echo-Query"));
  }

  @Test
  void passesHeadersBothWays() throws Exception {
    var r =
        h1.send(
            HttpMethod.GET,
            skiffd.gatewayPort(),
            "echo.default.localhost",
            "/",
            Map.of(
                "X-Custom",
                "value-1",
                "traceparent",
                "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
            null);
    assertEquals("value-1", r.headers().get("X-Echo-Http-X-Custom"));
    String forwarded = r.headers().get("X-Echo-Http-Traceparent");
    assertTrue(forwarded.startsWith("00-0af7651916cd43dd8448eb211c80319c-"), forwarded);
    assertTrue(
        r.headers().get("X-Echo-Http-X-Forwarded-Host").startsWith("echo.default.localhost"));
    assertTrue(r.headers().contains("X-Request-Id"));
  }

  @Test
  void honoursStatusAndLocationFromCgi() throws Exception {
    deploy(
        "notfound",
        Wat.printing("Status: 404 Not Found\nContent-Type: text/plain\n\nnothing here"));
    deploy("moved", Wat.printing("Location: /elsewhere\n\n"));
    var nf = h1.get(skiffd.gatewayPort(), "notfound.default.localhost", "/");
    assertEquals(404, nf.status());
    assertEquals("nothing here", nf.text());
    var moved = h1.get(skiffd.gatewayPort(), "moved.default.localhost", "/");
    assertEquals(302, moved.status());
    assertEquals("/elsewhere", moved.headers().get("Location"));
  }

  @Test
  void answersTwoHundredConcurrentRequests() throws Exception {
    List<Future<Http.Response>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(
          h1.sendAsync(
              HttpMethod.GET,
              skiffd.gatewayPort(),
              "hello.default.localhost",
              "/?name=n" + i,
              Map.of(),
              null));
    }
    Future.all(all).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    for (int i = 0; i < 200; i++) {
      assertEquals(200, all.get(i).result().status());
      assertEquals("Hello, n" + i + "!", all.get(i).result().text().trim());
    }
  }

  @Test
  void splitsEightyTwentyWithinFivePercent() throws Exception {
    byte[] greet = Examples.wasm(Examples.GREET);
    deploy("split", greet);
    deploy("split", greet, "--env", "V=2");
    cli.ok("traffic", "split", "split-00001=80", "split-00002=20");
    Map<String, Integer> served = new HashMap<>();
    List<Future<Http.Response>> batch = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      batch.add(
          h1.sendAsync(
              HttpMethod.GET,
              skiffd.gatewayPort(),
              "split.default.localhost",
              "/",
              Map.of(),
              null));
      if (batch.size() == 100) {
        Future.all(batch).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        batch.forEach(
            f -> served.merge(f.result().headers().get("X-Skiff-Revision"), 1, Integer::sum));
        batch.clear();
      }
    }
    double first = served.getOrDefault("split-00001", 0) / 2000.0;
    assertTrue(Math.abs(first - 0.8) <= 0.05, "split-00001 served " + served);
    assertEquals(2000, served.values().stream().mapToInt(Integer::intValue).sum());
  }

  @Test
  void misbehavingFunctionsFailOnlyTheirOwnRequests() throws Exception {
    deploy("loop", Wat.infiniteLoop(), "--timeout", "1");
    deploy("bomb", Wat.memoryBomb(16), "--memory", "32Mi");
    deploy("trap", Wat.unreachable());
    deploy("recurse", Wat.infiniteRecursion());
    deploy("exit3", Wat.exit(3));
    deploy("garbage", Wat.printing("this is not a CGI response"));

    // A well-behaved service keeps answering throughout.
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger ok = new AtomicInteger();
    List<String> failures = new ArrayList<>();
    Thread background =
        new Thread(
            () -> {
              try (Http own = new Http(HttpVersion.HTTP_1_1)) {
                while (!done.get()) {
                  var r = own.get(skiffd.gatewayPort(), "hello.default.localhost", "/?name=ok");
                  if (r.status() == 200) {
                    ok.incrementAndGet();
                  } else {
                    synchronized (failures) {
                      failures.add(r.status() + " " + r.text());
                    }
                  }
                }
              } catch (Exception e) {
                synchronized (failures) {
                  failures.add(e.toString());
                }
              }
            });
    background.start();
    try {
      long t0 = System.nanoTime();
      var loop = h1.get(skiffd.gatewayPort(), "loop.default.localhost", "/");
      long tookMs = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(504, loop.status(), loop.text());
      assertTrue(tookMs < 2_000, "504 after " + tookMs + " ms, timeout was 1 s");
      assertEquals(500, h1.get(skiffd.gatewayPort(), "bomb.default.localhost", "/").status());
      assertEquals(500, h1.get(skiffd.gatewayPort(), "trap.default.localhost", "/").status());
      assertEquals(500, h1.get(skiffd.gatewayPort(), "recurse.default.localhost", "/").status());
      assertEquals(500, h1.get(skiffd.gatewayPort(), "exit3.default.localhost", "/").status());
      assertEquals(502, h1.get(skiffd.gatewayPort(), "garbage.default.localhost", "/").status());
      // And again: the failing instances were discarded, the services still answer the same way.
      assertEquals(504, h1.get(skiffd.gatewayPort(), "loop.default.localhost", "/").status());
      assertEquals(500, h1.get(skiffd.gatewayPort(), "trap.default.localhost", "/").status());
    } finally {
      done.set(true);
      background.join(10_000);
    }
    assertTrue(failures.isEmpty(), "the healthy service failed: " + failures);
    assertTrue(ok.get() > 10, "the healthy service answered " + ok.get() + " requests");
    Runtime rt = Runtime.getRuntime();
    assertTrue(rt.totalMemory() - rt.freeMemory() < rt.maxMemory() / 2, "heap intact");
  }

  @Test
  void rejectsModulesThatAreNotWasmAtDeployWithNoRevision() throws Exception {
    Path notWasm = Files.writeString(dir.resolve("not.wasm"), "#!/bin/sh\necho hi\n");
    var r = cli.run("deploy", "broken", "--wasm", notWasm.toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("422") || r.err().toLowerCase().contains("magic"), r.err());
    byte[] invalid = {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 0, 0x7f};
    Path bad = Files.write(dir.resolve("bad.wasm"), invalid);
    var r2 = cli.run("deploy", "broken", "--wasm", bad.toString());
    assertEquals(1, r2.exit(), r2.out());
    assertEquals(1, cli.run("describe", "broken").exit(), "no service was made");
    assertEquals(
        0,
        cli.ok("revisions", "-o", "json").json().at("/items").findValues("name").stream()
            .filter(n -> n.asText().startsWith("broken"))
            .count());
  }

  private static byte[] sha256(byte[] b) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(b);
  }
}
