package dev.skiff.examples;

import static dev.skiff.examples.ExamplesTest.respond;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testing.Prerequisites;
import dev.skiff.wasm.CompileStats;
import dev.skiff.wasm.ExecutionMode;
import dev.skiff.wasm.WagiRequest;
import dev.skiff.wasm.WasmConfig;
import dev.skiff.wasm.WasmRuntime;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A quick look at what hello costs: compile cold versus from the cache, and the median of
 * instantiate + run per request in each mode. Numbers go to target/measurements/hello.txt; the
 * assertions only catch gross regressions. JMH benchmarks in bench/ are the real measurement.
 */
class HelloLatencyIT {
  private static final int WARMUP = 2000;
  private static final int SAMPLES = 2000;

  @Test
  void measuresCompileAndPerRequestLatencyOfHello(@TempDir Path cacheDir) throws Exception {
    Prerequisites.require(
        Examples.has(Examples.HELLO),
        "clang for wasm32-wasi (hello.wasm was not built)",
        "apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32, then rebuild functions-examples");
    byte[] hello = Examples.wasm(Examples.HELLO);
    var report = new StringBuilder();

    CompileStats cold;
    try (var runtime = WasmRuntime.builder().withCacheDir(cacheDir).build()) {
      cold = runtime.load(hello, WasmConfig.builder().build()).compileStats();
    }
    CompileStats cached;
    try (var runtime = WasmRuntime.builder().withCacheDir(cacheDir).build()) {
      cached = runtime.load(hello, WasmConfig.builder().build()).compileStats();
    }
    assertFalse(cold.fromCache());
    assertTrue(cached.fromCache());
    report.append(String.format("hello.wasm %d bytes%n", hello.length));
    report.append(
        String.format(
            "load cold:   parse %s + compile %s%n", ms(cold.parseTime()), ms(cold.compileTime())));
    report.append(
        String.format(
            "load cached: parse %s + cache load %s%n",
            ms(cached.parseTime()), ms(cached.compileTime())));

    for (ExecutionMode mode : ExecutionMode.values()) {
      try (var runtime = WasmRuntime.builder().withMode(mode).withCacheDir(cacheDir).build()) {
        var function = runtime.load(hello, WasmConfig.builder().build());
        var request = WagiRequest.builder().withUri("/?name=bench").build();
        for (int i = 0; i < WARMUP; i++) {
          respond(function, request);
        }
        long[] nanos = new long[SAMPLES];
        for (int i = 0; i < SAMPLES; i++) {
          long start = System.nanoTime();
          var response = respond(function, request);
          nanos[i] = System.nanoTime() - start;
          assertEquals(200, response.status());
        }
        Arrays.sort(nanos);
        report.append(
            String.format(
                "%-11s request median %s, p90 %s (handle -> response, %d samples after %d"
                    + " warm-up)%n",
                mode,
                ms(Duration.ofNanos(nanos[SAMPLES / 2])),
                ms(Duration.ofNanos(nanos[SAMPLES * 9 / 10])),
                SAMPLES,
                WARMUP));
        assertTrue(
            nanos[SAMPLES / 2] < Duration.ofMillis(250).toNanos(),
            "median grossly slow: " + report);
      }
    }
    Path out = Files.createDirectories(Path.of("target", "measurements"));
    Files.writeString(out.resolve("hello.txt"), report);
  }

  private static String ms(Duration duration) {
    return String.format("%.3f ms", duration.toNanos() / 1e6);
  }
}
