package dev.skiff.wasm.internal;

import dev.skiff.wasm.CompileStats;
import dev.skiff.wasm.FunctionCancelledException;
import dev.skiff.wasm.LogSink;
import dev.skiff.wasm.OverloadedException;
import dev.skiff.wasm.RequestTooLargeException;
import dev.skiff.wasm.WagiRequest;
import dev.skiff.wasm.WagiResponse;
import dev.skiff.wasm.WasmConfig;
import dev.skiff.wasm.WasmFunction;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.lang.System.Logger.Level;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A compiled module bound to its revision's limits. Admission happens on the caller's thread and
 * never blocks: an oversized body or a full concurrency limit fails at once, the rest runs on the
 * {@link WorkerPool} in this revision's own lane of CPU permits.
 */
public final class DefaultWasmFunction implements WasmFunction {
  private final CompiledWasm wasm;
  private final WasmConfig config;
  private final WorkerPool pool;
  private final Semaphore limiter; // null: unlimited
  private final AtomicInteger inFlight = new AtomicInteger();
  private final CpuPermits.Lane lane;
  private final MemoryPool memories;
  private final ImportedFunctions imported;
  private final RequestTimeouts timeouts;
  private final Set<Execution> executions = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  /** The cold-start trace's logger: a function's first request is traced at DEBUG. */
  private static final System.Logger TRACE = System.getLogger("skiff.coldstart");

  /** True until the first request is admitted; a race only traces a second one too. */
  private volatile boolean first = true;

  public DefaultWasmFunction(
      CompiledWasm wasm, WasmConfig config, WorkerPool pool, MemoryBudget memoryBudget) {
    this.wasm = wasm;
    this.config = config;
    this.pool = pool;
    this.lane = pool.lane();
    this.memories = new MemoryPool(memoryBudget, MemoryPool.MAX_KEPT, pool.memoryTrims());
    this.imported = wasm.imported(); // the module's, shared by its instances
    this.timeouts = pool.timeouts(config.timeout());
    this.limiter = config.concurrency() == 0 ? null : new Semaphore(config.concurrency());
  }

  /** The module's imports this function links its requests with. */
  ImportedFunctions imported() {
    return imported;
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public WasmConfig config() {
    return config;
  }

  @Override
  public CompileStats compileStats() {
    return wasm.stats();
  }

  @Override
  public int inFlight() {
    return inFlight.get();
  }

  @Override
  public Future<WagiResponse> handle(WagiRequest request) {
    return CallerContext.completeOnCaller(admit(request, null));
  }

  @Override
  public Future<WagiResponse> handle(WagiRequest request, Future<?> gone) {
    return CallerContext.completeOnCaller(admit(request, gone));
  }

  @Override
  public void close() {
    closed = true;
    memories.close();
    for (Execution execution : executions) {
      execution.cancel(new FunctionCancelledException("the function's revision was stopped"));
    }
  }

  private Future<WagiResponse> admit(WagiRequest request, Future<?> gone) {
    if (request.body().length > config.maxRequestBytes()) {
      return Future.failedFuture(
          new RequestTooLargeException(request.body().length, config.maxRequestBytes()));
    }
    if (pool.isClosed() || closed) {
      return Future.failedFuture(
          new OverloadedException(
              closed ? "function '" + name() + "' was stopped" : "the Wasm runtime is closed"));
    }
    if (limiter != null && !limiter.tryAcquire()) {
      return Future.failedFuture(
          new OverloadedException(
              "function '"
                  + name()
                  + "' is at its concurrency limit of "
                  + config.concurrency()
                  + "; retry, or raise containerConcurrency"));
    }
    inFlight.incrementAndGet();
    Promise<WagiResponse> promise = Promise.promise();
    boolean traced = false;
    if (first) { // read on every request, written once
      first = false;
      traced = TRACE.isLoggable(Level.DEBUG);
    }
    long submitted = traced ? System.nanoTime() : 0;
    var execution =
        new Execution(
            promise,
            traced
                ? slot ->
                    traced(
                        submitted,
                        () -> Invocation.run(wasm, config, request, slot, memories, imported))
                : slot -> Invocation.run(wasm, config, request, slot, memories, imported),
            lane,
            config.timeout(),
            line -> config.logSink().log(name(), LogSink.Source.HOST, line));
    executions.add(execution);
    execution.onFinish(
        () -> {
          executions.remove(execution);
          release();
        });
    try {
      execution.armTimeout(timeouts);
    } catch (RejectedExecutionException e) {
      execution.abort(new OverloadedException("the Wasm runtime is closed"));
      return promise.future();
    }
    if (!pool.submit(execution)) {
      execution.abort(new OverloadedException("the node's Wasm queue is full; retry shortly"));
      return promise.future();
    }
    if (closed) {
      execution.cancel(new FunctionCancelledException("the function's revision was stopped"));
    }
    if (gone != null) {
      gone.onComplete(
          v -> execution.cancel(new FunctionCancelledException("its client went away")));
    }
    return promise.future();
  }

  /**
   * Runs the first request's work, logging where its time went on the cold-start trace. The page
   * faults are read outside the timed part (each read opens a file), so they lengthen the wait for
   * a thread by one read, not the run.
   */
  private WagiResponse traced(long submitted, java.util.function.Supplier<WagiResponse> work) {
    var threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long faults = ThreadFaults.minor();
    long running = System.nanoTime();
    long cpu = threads.getCurrentThreadCpuTime();
    WagiResponse response = work.get();
    long ran = System.nanoTime();
    long cpuUsed = threads.getCurrentThreadCpuTime() - cpu;
    long faulted = faults < 0 ? -1 : ThreadFaults.minor() - faults;
    TRACE.log(
        Level.DEBUG,
        () ->
            String.format(
                Locale.ROOT,
                "wasm function %s first run: on a thread after %.3f, instantiated and ran in %.3f"
                    + " ms (cpu %.3f ms, %d page faults)",
                name(),
                (running - submitted) / 1e6,
                (ran - running) / 1e6,
                cpuUsed / 1e6,
                faulted));
    return response;
  }

  private void release() {
    inFlight.decrementAndGet();
    if (limiter != null) {
      limiter.release();
    }
  }
}
