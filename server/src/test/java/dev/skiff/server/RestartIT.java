package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.examples.Examples;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A restarted skiffd serves the same functions again, from the compiled-code cache. */
class RestartIT {
  @TempDir Path dir;

  @Test
  void servesTheSameFunctionsAfterRestartWithoutRecompiling() throws Exception {
    Path data = dir.resolve("data");
    Path wasm = Files.write(dir.resolve("hello.wasm"), Examples.wasm(Examples.HELLO));
    try (RunningSkiffd first = RunningSkiffd.start(data);
        Http http = new Http(HttpVersion.HTTP_1_1)) {
      new Cli(first).ok("deploy", "hello", "--wasm", wasm.toString());
      assertEquals(
          1.0, metric(http, first, "skiff_wasm_compiles_total"), "compiled once, at upload");
      assertEquals(200, http.get(first.gatewayPort(), "hello.default.localhost", "/").status());
    }
    try (RunningSkiffd second = RunningSkiffd.start(data);
        Http http = new Http(HttpVersion.HTTP_1_1)) {
      var r = awaitOk(http, second);
      assertEquals("Hello, again!", r.text().trim());
      assertEquals(0.0, metric(http, second, "skiff_wasm_compiles_total"), "nothing recompiled");
      assertTrue(
          metric(http, second, "skiff_wasm_cache_hits_total") >= 1.0, "loaded from the cache");
    }
  }

  private static Http.Response awaitOk(Http http, RunningSkiffd s) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    Http.Response r;
    do {
      r = http.get(s.gatewayPort(), "hello.default.localhost", "/?name=again");
      if (r.status() == 200) {
        return r;
      }
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("hello did not answer after restart: " + r.status() + " " + r.text());
  }

  static double metric(Http http, RunningSkiffd s, String name) throws Exception {
    String text = http.get(s.skiffd.apiPort(), "127.0.0.1", "/metrics").text();
    Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(text);
    if (!m.find()) {
      throw new AssertionError(name + " not in /metrics");
    }
    return Double.parseDouble(m.group(2));
  }
}
