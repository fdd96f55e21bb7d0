package dev.skiff.bench;

import dev.skiff.examples.Examples;
import dev.skiff.wasm.WagiRequest;
import dev.skiff.wasm.WagiResponse;
import dev.skiff.wasm.WasmConfig;
import dev.skiff.wasm.WasmFunction;
import dev.skiff.wasm.WasmRuntime;
import java.util.Arrays;
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
 * What one Kafka event costs inside the Wasm runtime: the example {@code event} function (C,
 * wasi-libc) given a CloudEvent as the dispatcher delivers it through the mesh (binary-mode {@code
 * ce-*} headers, the mesh's headers, a 1 KiB body), through the public {@link WasmFunction#handle}
 * path with its hand-off to the runtime's pool and back. Compiled mode, memory reuse on (the
 * defaults). Run with {@code -prof gc} for the allocation per event.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class EventRequestBenchmark {
  private WasmRuntime runtime;
  private WasmFunction event;
  private WagiRequest request;

  @Setup(Level.Trial)
  public void load() {
    runtime = WasmRuntime.builder().build();
    event =
        runtime.load(Examples.wasm(Examples.EVENT), WasmConfig.builder().withName("event").build());
    byte[] data = new byte[1024];
    Arrays.fill(data, (byte) 'x');
    request =
        WagiRequest.builder()
            .withMethod("POST")
            .withUri("/")
            .withHeader("ce-specversion", "1.0")
            .withHeader("ce-id", "partition:3/offset:4711")
            .withHeader("ce-source", "/skiff/default/triggers/bench#events")
            .withHeader("ce-type", "dev.skiff.kafka.event")
            .withHeader("ce-subject", "partition:3#4711")
            .withHeader("ce-time", "2026-12-05T16:19:20.12Z")
            .withHeader("Content-Type", "application/octet-stream")
            .withHeader("Content-Length", "1024")
            .withHeader("Host", "event.default.svc.skiff.local")
            .withHeader(
                "X-Forwarded-Client-Cert",
                "By=spiffe://skiff.local/ns/default/svc/event;"
                    + "URI=spiffe://skiff.local/skiff/eventing")
            .withHeader("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
            .withBody(data)
            .build();
    WagiResponse first = Requests.run(event, request);
    if (!first.header("ce-id").orElse("").equals("reply-partition:3/offset:4711")) {
      throw new IllegalStateException("event answered " + first.headers());
    }
  }

  @TearDown(Level.Trial)
  public void close() {
    runtime.close();
  }

  @Benchmark
  public WagiResponse deliverOneEvent() {
    return Requests.run(event, request);
  }
}
