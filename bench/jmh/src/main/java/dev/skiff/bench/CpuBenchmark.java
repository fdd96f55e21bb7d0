package dev.skiff.bench;

import dev.skiff.examples.Examples;
import dev.skiff.wasm.ExecutionMode;
import dev.skiff.wasm.WagiRequest;
import dev.skiff.wasm.WagiResponse;
import dev.skiff.wasm.WasmConfig;
import dev.skiff.wasm.WasmFunction;
import dev.skiff.wasm.WasmRuntime;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Wasm execution speed: one run of the CPU-bound {@code cpu} example (SHA-256 over {@code mb} MiB
 * it generates itself) per operation, in Chicory's interpreter or its compiler. bench/run runs the
 * same module with the same argument under Node's V8 and compares; the digest is checked so every
 * engine provably did the same work.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class CpuBenchmark {
  @Param({"COMPILED", "INTERPRETED"})
  public ExecutionMode mode;

  /** MiB hashed per run. */
  @Param({"4"})
  public int mb;

  /** The digest every engine must print for {@link #mb}; empty skips the check. */
  @Param({""})
  public String expect;

  private WasmRuntime runtime;
  private WasmFunction cpu;
  private WagiRequest request;

  @Setup(Level.Trial)
  public void load() {
    runtime = WasmRuntime.builder().withMode(mode).build();
    cpu =
        runtime.load(
            Examples.wasm(Examples.CPU),
            WasmConfig.builder().withName("cpu").withTimeout(Duration.ofMinutes(10)).build());
    request = WagiRequest.builder().withUri("/?mb=" + mb).build();
    String body = Requests.run(cpu, request).bodyText();
    if (!expect.isEmpty() && !body.contains(expect)) {
      throw new IllegalStateException("cpu answered " + body + ", expected digest " + expect);
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    runtime.close();
  }

  @Benchmark
  public WagiResponse run() {
    return Requests.run(cpu, request);
  }
}
