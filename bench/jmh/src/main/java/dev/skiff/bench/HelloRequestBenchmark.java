package dev.skiff.bench;

import dev.skiff.examples.Examples;
import dev.skiff.wasm.ExecutionMode;
import dev.skiff.wasm.WagiRequest;
import dev.skiff.wasm.WagiResponse;
import dev.skiff.wasm.WasmConfig;
import dev.skiff.wasm.WasmFunction;
import dev.skiff.wasm.WasmRuntime;
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
 * What one request to {@code hello} costs inside the Wasm runtime: a fresh instance with fresh
 * (new, or reused and reset) memory, {@code _start}, the CGI response parsed, including the
 * hand-off to the runtime's pool and back (the public {@link WasmFunction#handle} path, as the node
 * agent calls it). The module is loaded (and, in {@code COMPILED} mode, compiled) once per trial,
 * as once per revision.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class HelloRequestBenchmark {
  @Param({"COMPILED", "INTERPRETED"})
  public ExecutionMode mode;

  /**
   * Bytes of linear memory the runtime may keep between requests: 0 allocates and zeroes a new
   * memory per request (before pooling), the default reuses the memory the last request left, reset
   * by instantiation.
   */
  @Param({"0", "67108864"})
  public long pooledMemoryBytes;

  private WasmRuntime runtime;
  private WasmFunction hello;
  private WagiRequest request;

  @Setup(Level.Trial)
  public void load() {
    runtime = WasmRuntime.builder().withMode(mode).withPooledMemoryBytes(pooledMemoryBytes).build();
    hello =
        runtime.load(Examples.wasm(Examples.HELLO), WasmConfig.builder().withName("hello").build());
    request = WagiRequest.builder().withUri("/?name=bench").build();
    String body = Requests.run(hello, request).bodyText();
    if (!body.equals("Hello, bench!\n")) {
      throw new IllegalStateException("hello answered " + body);
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    runtime.close();
  }

  @Benchmark
  public WagiResponse instantiateAndRun() {
    return Requests.run(hello, request);
  }
}
