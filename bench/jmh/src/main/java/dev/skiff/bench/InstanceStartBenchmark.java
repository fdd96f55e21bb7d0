package dev.skiff.bench;

import dev.skiff.examples.Examples;
import dev.skiff.wasm.WasmConfig;
import dev.skiff.wasm.WasmFunction;
import dev.skiff.wasm.WasmRuntime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the Wasm half of an instance start costs once the module is in the runtime's memory (a
 * revision's next instance, or its next cold start): {@code reuse} (by the module's sha-256, what
 * the node's Wasm backend calls first) against {@code load} of the bytes (hash, checks and a trial
 * instantiation, what it did before, besides reading the blob). Neither reads or compiles.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class InstanceStartBenchmark {
  private WasmRuntime runtime;
  private byte[] bytes;
  private String sha256;
  private WasmConfig config;

  @Setup(Level.Trial)
  public void load() throws NoSuchAlgorithmException {
    runtime = WasmRuntime.builder().build();
    bytes = Examples.wasm(Examples.HELLO);
    sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    config = WasmConfig.builder().withName("hello").build();
    runtime.load(bytes, config);
    if (runtime.reuse(sha256, config).isEmpty()) {
      throw new IllegalStateException("hello is not in the runtime's memory after a load");
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    runtime.close();
  }

  @Benchmark
  public WasmFunction reuseInMemory() {
    return runtime.reuse(sha256, config).orElseThrow();
  }

  @Benchmark
  public WasmFunction loadBytesAgain() {
    return runtime.load(bytes, config);
  }
}
