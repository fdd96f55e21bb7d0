package dev.skiff.wasm.internal;

import com.sun.management.ThreadMXBean;
import dev.skiff.wasm.WagiRequest;
import dev.skiff.wasm.WasmConfig;
import dev.skiff.wasm.WasmFunction;
import dev.skiff.wasm.WasmRuntime;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A new Wasm instance's first request against the same instance's second one, in one JVM without
 * skiffd (docs/autoscaling.md, "A new instance's first run: page faults"). In
 * dev.skiff.wasm.internal to reach Invocation directly: javac -d /tmp/fr -cp skiffd.jar
 * FirstRun.java; java -cp skiffd.jar:/tmp/fr dev.skiff.wasm.internal.FirstRun hello.wasm
 * WARM_REQUESTS WARM_INSTANCES SAMPLES [pool|direct]
 *
 * <p>Two ways: "pool" runs each request through WasmRuntime.reuse and WasmFunction.handle on the
 * runtime's worker threads, as skiffd does, and reads the worker's CPU from the cold-start trace
 * line's figure measured the same way (thread CPU around the run); "direct" runs Invocation.run on
 * this thread with a new MemoryPool per instance, timing each part with this thread's CPU clock,
 * then times a new guest memory alone with this thread's minor page faults. The direct mode's warm
 * instances keep their memories, so past the runtime's pooled-memory budget (about 480 of hello's)
 * every request allocates a fresh one: keep WARM_INSTANCES low to compare first and second.
 * The warm-up mirrors cold_trace_warm: WARM_REQUESTS requests on one instance, then WARM_INSTANCES
 * new instances with one request each.
 */
public class FirstRun {
  private static final ThreadMXBean MX = (ThreadMXBean) ManagementFactory.getThreadMXBean();

  public static void main(String[] args) throws Exception {
    byte[] bytes = Files.readAllBytes(Path.of(args[0]));
    int warmRequests = Integer.parseInt(args[1]);
    int warmInstances = Integer.parseInt(args[2]);
    int samples = Integer.parseInt(args[3]);
    String mode = args.length > 4 ? args[4] : "pool";
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    WasmConfig config =
        WasmConfig.builder()
            .withName("hello")
            .withEnv(Map.of("K_SERVICE", "hello", "K_REVISION", "hello-00001"))
            .withTimeout(Duration.ofSeconds(300))
            .build();
    WagiRequest request =
        WagiRequest.builder().withUri("/?name=probe").withHeader("Host", "hello.localhost").build();
    try (var runtime = WasmRuntime.builder().withThreads(4).build()) {
      runtime.load(bytes, config);
      if (mode.equals("pool")) {
        pool(runtime, sha, config, request, warmRequests, warmInstances, samples);
      } else {
        direct(runtime, sha, config, request, warmRequests, warmInstances, samples);
      }
    }
  }

  private static void pool(
      WasmRuntime runtime,
      String sha,
      WasmConfig config,
      WagiRequest request,
      int warmRequests,
      int warmInstances,
      int samples)
      throws Exception {
    WasmFunction warm = runtime.reuse(sha, config).orElseThrow();
    for (int i = 0; i < warmRequests; i++) {
      call(warm, request);
    }
    for (int i = 0; i < warmInstances; i++) {
      call(runtime.reuse(sha, config).orElseThrow(), request);
    }
    // The trace line's "cpu X ms": the worker's thread CPU over the first run, as skiffd logs it.
    var cpus = new java.util.concurrent.ConcurrentLinkedQueue<Long>();
    var pattern = java.util.regex.Pattern.compile("cpu ([\\d.]+) ms");
    var trace = java.util.logging.Logger.getLogger("skiff.coldstart");
    trace.setLevel(java.util.logging.Level.FINE);
    trace.setUseParentHandlers(false);
    trace.addHandler(
        new java.util.logging.Handler() {
          @Override
          public void publish(java.util.logging.LogRecord r) {
            var m = pattern.matcher(r.getMessage());
            if (m.find()) {
              cpus.add((long) (Double.parseDouble(m.group(1)) * 1e6));
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        });
    long[] first = new long[samples];
    long[] second = new long[samples];
    for (int i = 0; i < samples; i++) {
      WasmFunction f = runtime.reuse(sha, config).orElseThrow();
      first[i] = call(f, request);
      second[i] = call(f, request);
      Thread.sleep(2); // as between cold starts: the worker parks
    }
    report("pool wall first request", first);
    report("pool trace cpu first run", cpus.stream().mapToLong(Long::longValue).toArray());
    report("pool wall second request", second);
  }

  private static long call(WasmFunction f, WagiRequest request) throws Exception {
    long t0 = System.nanoTime();
    f.handle(request).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return System.nanoTime() - t0;
  }

  private static void direct(
      WasmRuntime runtime,
      String sha,
      WasmConfig config,
      WagiRequest request,
      int warmRequests,
      int warmInstances,
      int samples) {
    var compiler = compilerOf(runtime);
    var pool = new WorkerPool(4, 3, 100);
    var budget = new MemoryBudget(64L << 20);
    CompiledWasm wasm = compiler.reuse(sha, config);
    MemoryPool warmMemories = new MemoryPool(budget, MemoryPool.MAX_KEPT, pool.memoryTrims());
    for (int i = 0; i < warmRequests; i++) {
      run(wasm, config, request, pool, warmMemories);
    }
    for (int i = 0; i < warmInstances; i++) {
      var w = compiler.reuse(sha, config);
      run(w, config, request, pool, new MemoryPool(budget, MemoryPool.MAX_KEPT, pool.memoryTrims()));
    }
    long[] reuse = new long[samples];
    long[] first = new long[samples];
    long[] second = new long[samples];
    for (int i = 0; i < samples; i++) {
      long c0 = MX.getCurrentThreadCpuTime();
      var w = compiler.reuse(sha, config);
      var memories = new MemoryPool(budget, MemoryPool.MAX_KEPT, pool.memoryTrims());
      long c1 = MX.getCurrentThreadCpuTime();
      run(w, config, request, pool, memories);
      long c2 = MX.getCurrentThreadCpuTime();
      run(w, config, request, pool, memories);
      long c3 = MX.getCurrentThreadCpuTime();
      reuse[i] = c1 - c0;
      first[i] = c2 - c1;
      second[i] = c3 - c2;
      memories.close();
    }
    long[] alloc = new long[samples];
    long[] faults = new long[samples];
    var limits = new com.dylibso.chicory.wasm.types.MemoryLimits(2, config.maxMemoryPages());
    Object keep = null;
    for (int i = 0; i < samples; i++) {
      run(wasm, config, request, pool, warmMemories);
      long f0 = minorFaults();
      long c0 = MX.getCurrentThreadCpuTime();
      keep = new com.dylibso.chicory.runtime.ByteArrayMemory(limits);
      alloc[i] = MX.getCurrentThreadCpuTime() - c0;
      faults[i] = minorFaults() - f0;
    }
    System.out.println(keep.hashCode() > 0 ? "" : " ");
    report("direct cpu new memory alone", alloc);
    System.out.println(
        "minor faults of this thread per new memory: p50 "
            + Arrays.stream(faults).sorted().toArray()[samples / 2]
            + " max "
            + Arrays.stream(faults).max().getAsLong());
    report("direct cpu reuse + pool", reuse);
    report("direct cpu first request", first);
    report("direct cpu second request", second);
    pool.close();
  }

  private static void run(
      CompiledWasm wasm,
      WasmConfig config,
      WagiRequest request,
      WorkerPool pool,
      MemoryPool memories) {
    var lane = pool.lane();
    var slot = new CpuSlot(lane, false);
    Invocation.run(wasm, config, request, slot, memories, wasm.imported());
  }

  /** This thread's minor page faults so far (/proc/thread-self/stat, field 10). */
  static long minorFaults() {
    try {
      String stat = Files.readString(Path.of("/proc/thread-self/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[7]);
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  private static ModuleCompiler compilerOf(WasmRuntime runtime) {
    try {
      var field = WasmRuntime.class.getDeclaredField("compiler");
      field.setAccessible(true);
      return (ModuleCompiler) field.get(runtime);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  static void report(String what, long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    System.out.printf(
        "%-28s n=%d p10 %.3f p50 %.3f p90 %.3f p99 %.3f ms%n",
        what,
        s.length,
        s[s.length / 10] / 1e6,
        s[s.length / 2] / 1e6,
        s[s.length * 9 / 10] / 1e6,
        s[s.length * 99 / 100] / 1e6);
  }
}
