package dev.skiff.wasm;

import dev.skiff.wasm.internal.CallerContext;
import dev.skiff.wasm.internal.CompiledWasm;
import dev.skiff.wasm.internal.DefaultWasmFunction;
import dev.skiff.wasm.internal.DiskCache;
import dev.skiff.wasm.internal.MemoryBudget;
import dev.skiff.wasm.internal.ModuleCompiler;
import dev.skiff.wasm.internal.WorkerPool;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * The Wasm host of one node: loads modules (parse, validate, compile once, cached on disk by
 * digest) and runs their requests on threads of its own, computing on CPU permits shared fairly
 * between revisions. Thread-safe; close it to stop the pool.
 *
 * <pre>{@code
 * try (var runtime = WasmRuntime.builder().withCacheDir(dir).build()) {
 *   WasmFunction hello = runtime.load(bytes, WasmConfig.builder().withName("hello").build());
 *   hello.handle(WagiRequest.builder().withUri("/?name=x").build());
 * }
 * }</pre>
 */
public final class WasmRuntime implements AutoCloseable {
  /** The default of {@link Builder#withPooledMemoryBytes}. */
  public static final long DEFAULT_POOLED_MEMORY_BYTES = 64L << 20;

  /**
   * The default of {@link Builder#withQueueCapacity}: requests that may wait for a permit on a
   * node. A waiting request holds no thread, only its request object.
   */
  public static final int DEFAULT_QUEUE_CAPACITY = 8192;

  private final ExecutionMode mode;
  private final ModuleCompiler compiler;
  private final WorkerPool pool;
  private final ExecutorService loader;
  private final MemoryBudget memoryBudget;

  private WasmRuntime(Builder builder) {
    this.mode = builder.mode;
    this.compiler =
        new ModuleCompiler(
            builder.mode, builder.cacheDir == null ? null : new DiskCache(builder.cacheDir));
    this.pool =
        new WorkerPool(
            builder.threads,
            builder.revisionShare > 0 ? builder.revisionShare : Math.max(1, builder.threads - 1),
            builder.queueCapacity);
    this.memoryBudget = new MemoryBudget(builder.pooledMemoryBytes);
    this.loader =
        Executors.newSingleThreadExecutor(
            task -> {
              var thread = new Thread(task, "skiff-wasm-loader");
              thread.setDaemon(true);
              return thread;
            });
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Loads a module for one revision. Blocks while parsing and, on a cold cache, compiling (from
   * milliseconds to seconds): call it from a worker thread, or use {@link #loadAsync}.
   *
   * @throws ModuleInvalidException when the bytes are not a module this host can run
   * @throws IllegalArgumentException when the configured directory does not exist
   */
  public WasmFunction load(byte[] moduleBytes, WasmConfig config) {
    Objects.requireNonNull(config, "config");
    config.directory().ifPresent(WasmRuntime::checkDirectory);
    CompiledWasm compiled = compiler.compile(moduleBytes, config);
    return new DefaultWasmFunction(compiled, config, pool, memoryBudget);
  }

  /**
   * {@link #load} on the runtime's loader thread; safe to call from an event loop. Called on a
   * Vert.x context, the future completes on that context.
   */
  public Future<WasmFunction> loadAsync(byte[] moduleBytes, WasmConfig config) {
    Promise<WasmFunction> promise = Promise.promise();
    try {
      loader.execute(
          () -> {
            try {
              promise.complete(load(moduleBytes, config));
            } catch (RuntimeException e) {
              promise.fail(e);
            }
          });
    } catch (RejectedExecutionException e) {
      promise.fail(new OverloadedException("the Wasm runtime is closed"));
    }
    return CallerContext.completeOnCaller(promise.future());
  }

  /**
   * A function for a module this runtime loaded recently, found by the sha-256 of its bytes ({@code
   * sha256Hex}, lowercase hex), without reading, parsing, compiling or trying anything: what the
   * next instance of a revision, or its next cold start, needs. Empty when the module is not in
   * memory, was not yet loaded under the same memory limit, or {@code config} mounts a directory
   * (its check touches the file system): then {@link #loadAsync}. Does not block, so it is safe on
   * an event loop.
   *
   * @throws ModuleInvalidException when the module cannot run under {@code config}
   */
  public Optional<WasmFunction> reuse(String sha256Hex, WasmConfig config) {
    Objects.requireNonNull(config, "config");
    if (sha256Hex == null || config.directory().isPresent()) {
      return Optional.empty();
    }
    CompiledWasm compiled = compiler.reuse(sha256Hex, config);
    return compiled == null
        ? Optional.empty()
        : Optional.of(new DefaultWasmFunction(compiled, config, pool, memoryBudget));
  }

  public ExecutionMode mode() {
    return mode;
  }

  public RuntimeStats stats() {
    return new RuntimeStats(
        compiler.compiles(),
        compiler.cacheHits(),
        pool.threads(),
        pool.busy(),
        pool.queued(),
        pool.executions(),
        memoryBudget.used());
  }

  /** Stops the pool: running instances are interrupted, queued requests fail as overloaded. */
  @Override
  public void close() {
    loader.shutdownNow();
    pool.close();
  }

  private static void checkDirectory(DirectoryMount mount) {
    if (!Files.isDirectory(mount.hostPath())) {
      throw new IllegalArgumentException("directory to mount does not exist: " + mount.hostPath());
    }
  }

  /** Configures a {@link WasmRuntime}. */
  public static final class Builder {
    private Path cacheDir;
    private int threads = 2 * Runtime.getRuntime().availableProcessors();
    private int queueCapacity = DEFAULT_QUEUE_CAPACITY;
    private int revisionShare;
    private ExecutionMode mode = ExecutionMode.COMPILED;
    private long pooledMemoryBytes = DEFAULT_POOLED_MEMORY_BYTES;

    private Builder() {}

    /** Where compiled code is kept across restarts; without it every load compiles. */
    public Builder withCacheDir(Path cacheDir) {
      this.cacheDir = cacheDir;
      return this;
    }

    /**
     * CPU permits: guests that compute at once; default twice the available processors. A guest
     * waiting for a permit or sleeping in WASI holds none.
     */
    public Builder withThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("threads must be >= 1");
      }
      this.threads = threads;
      return this;
    }

    /**
     * Most permits one revision holds at once; default all permits but one (at least 1), so a
     * revision alone on the node uses it all while a revision whose guests loop still leaves a
     * permit to the others. Never more than all permits but one, whatever is set.
     */
    public Builder withRevisionShare(int revisionShare) {
      if (revisionShare < 1) {
        throw new IllegalArgumentException("revisionShare must be >= 1");
      }
      this.revisionShare = revisionShare;
      return this;
    }

    /** Requests that may wait for a permit before new ones are refused; default 8,192. */
    public Builder withQueueCapacity(int queueCapacity) {
      if (queueCapacity < 1) {
        throw new IllegalArgumentException("queueCapacity must be >= 1");
      }
      this.queueCapacity = queueCapacity;
      return this;
    }

    /**
     * Bytes of linear memory all functions together may keep between requests so that a request's
     * fresh instance reuses a memory instead of allocating one; default 64 MiB, 0 turns reuse off.
     * Each function instance keeps at most 8 memories, each only while its guest never grew it, and
     * drops those unused for 2 s at the next of the runtime's sweeps (one every 2 s), and all when
     * it stops. A reused memory is reset by instantiation exactly as a new one is initialised
     * (docs/security.md, Wasm).
     */
    public Builder withPooledMemoryBytes(long pooledMemoryBytes) {
      if (pooledMemoryBytes < 0) {
        throw new IllegalArgumentException(
            "pooledMemoryBytes must be >= 0 (0 turns memory reuse off)");
      }
      this.pooledMemoryBytes = pooledMemoryBytes;
      return this;
    }

    /** Compiled (default) or interpreted execution. */
    public Builder withMode(ExecutionMode mode) {
      this.mode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    public WasmRuntime build() {
      return new WasmRuntime(this);
    }
  }
}
