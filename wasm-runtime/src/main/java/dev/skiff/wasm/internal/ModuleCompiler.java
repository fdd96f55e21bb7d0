package dev.skiff.wasm.internal;

import com.dylibso.chicory.compiler.Cache;
import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.InterpreterMachine;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.skiff.wasm.CompileStats;
import dev.skiff.wasm.ExecutionMode;
import dev.skiff.wasm.LogSink;
import dev.skiff.wasm.ModuleInvalidException;
import dev.skiff.wasm.WasmConfig;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Parses, validates and compiles modules, going through the disk cache when there is one. A cache
 * entry that cannot be read or linked is evicted and the module compiled afresh; a module the
 * compiler rejects as a whole runs interpreted. Each load ends with a trial instantiation.
 */
public final class ModuleCompiler {
  private final ExecutionMode mode;
  private final DiskCache cache;
  private final AtomicLong compiles = new AtomicLong();
  private final AtomicLong cacheHits = new AtomicLong();

  /**
   * A module in memory, with the memory limits (in pages) it was already instantiated under: a load
   * under one of those needs no trial instantiation again.
   */
  private record Loaded(CompiledWasm wasm, java.util.Set<Integer> probedPages) {
    Loaded(CompiledWasm wasm, int pages) {
      this(wasm, java.util.concurrent.ConcurrentHashMap.newKeySet());
      probedPages.add(pages);
    }
  }

  /** The most recently loaded modules by the sha-256 of their bytes, least recently used out. */
  private final java.util.Map<String, Loaded> recent =
      new java.util.LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, Loaded> eldest) {
          return size() > MAX_LOADED;
        }
      };

  private static final int MAX_LOADED = 128;

  /**
   * @param cache the compiled-code cache, or {@code null} to compile on every load
   */
  public ModuleCompiler(ExecutionMode mode, DiskCache cache) {
    this.mode = mode;
    this.cache = cache;
  }

  public long compiles() {
    return compiles.get();
  }

  public long cacheHits() {
    return cacheHits.get();
  }

  /** Blocks for as long as parsing and compiling take; call it off the event loop. */
  public CompiledWasm compile(byte[] bytes, WasmConfig config) {
    long start = System.nanoTime();
    // A revision's instances (and a restart's re-loads) load the same bytes again: keep the parsed
    // and compiled module in memory so an instance start costs no parse (tens of ms for a C
    // module).
    String key = sha256(bytes);
    Loaded loaded = loaded(key);
    if (loaded != null) {
      ModuleChecks.check(loaded.wasm().module(), config);
      cacheHits.incrementAndGet();
      CompiledWasm wasm = probed(fromMemory(loaded.wasm(), start), config);
      loaded.probedPages().add(config.maxMemoryPages());
      return wasm;
    }
    CompiledWasm fresh = compileFresh(bytes, config, start);
    remember(key, new Loaded(fresh, config.maxMemoryPages()));
    return fresh;
  }

  /**
   * The module whose bytes have the sha-256 {@code key} (hex) when it is in memory and was already
   * instantiated under {@code config}'s memory limit: nothing to read, parse, compile or try, so
   * cheap enough for any thread; null otherwise.
   *
   * @throws ModuleInvalidException when the module cannot run under {@code config}
   */
  public CompiledWasm reuse(String key, WasmConfig config) {
    long start = System.nanoTime();
    Loaded loaded = loaded(key);
    if (loaded == null || !loaded.probedPages().contains(config.maxMemoryPages())) {
      return null;
    }
    ModuleChecks.check(loaded.wasm().module(), config);
    cacheHits.incrementAndGet();
    return fromMemory(loaded.wasm(), start);
  }

  private static CompiledWasm fromMemory(CompiledWasm loaded, long start) {
    var stats = loaded.stats();
    return new CompiledWasm(
        loaded.module(),
        loaded.machineFactory(),
        new CompileStats(stats.digest(), stats.mode(), true, Duration.ZERO, since(start)),
        loaded.imported());
  }

  private Loaded loaded(String key) {
    synchronized (recent) {
      return recent.get(key);
    }
  }

  private void remember(String key, Loaded wasm) {
    synchronized (recent) {
      recent.put(key, wasm);
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of()
          .formatHex(
              java.security.MessageDigest.getInstance("SHA-256")
                  .digest(bytes == null ? new byte[0] : bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private CompiledWasm compileFresh(byte[] bytes, WasmConfig config, long start) {
    WasmModule module = parse(bytes);
    ModuleChecks.check(module, config);
    Duration parseTime = since(start);
    if (mode == ExecutionMode.INTERPRETED) {
      return probed(interpreted(module, parseTime, Duration.ZERO), config);
    }
    CompiledWasm compiled = toBytecode(module, parseTime, config);
    try {
      return probed(compiled, config);
    } catch (RuntimeException e) {
      if (!compiled.stats().fromCache()) {
        throw e;
      }
      cache.evict(module.digest()); // cached code that does not link: compile afresh
      return probed(toBytecode(module, parseTime, config), config);
    }
  }

  private CompiledWasm toBytecode(WasmModule module, Duration parseTime, WasmConfig config) {
    long start = System.nanoTime();
    var recording = cache == null ? null : new RecordingCache(cache, line -> log(config, line));
    Function<Instance, Machine> factory;
    try {
      factory =
          MachineFactoryCompiler.builder(module)
              .withInterpreterFallback(InterpreterFallback.SILENT)
              .withCache(recording)
              .compile();
    } catch (RuntimeException e) {
      if (recording != null && recording.hit) {
        cache.evict(module.digest()); // an unreadable entry; the retry misses and compiles
        return toBytecode(module, parseTime, config);
      }
      log(config, "compiler rejected the module, running it interpreted: " + e);
      return interpreted(module, parseTime, since(start));
    }
    boolean hit = recording != null && recording.hit;
    (hit ? cacheHits : compiles).incrementAndGet();
    var stats =
        new CompileStats(
            Digests.hex(module.digest()), ExecutionMode.COMPILED, hit, parseTime, since(start));
    return new CompiledWasm(module, factory, stats);
  }

  private static CompiledWasm interpreted(
      WasmModule module, Duration parseTime, Duration compileTime) {
    var stats =
        new CompileStats(
            Digests.hex(module.digest()), ExecutionMode.INTERPRETED, false, parseTime, compileTime);
    return new CompiledWasm(module, InterpreterMachine::new, stats);
  }

  private static CompiledWasm probed(CompiledWasm wasm, WasmConfig config) {
    Invocation.probe(wasm, config);
    return wasm;
  }

  private static WasmModule parse(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      throw new ModuleInvalidException("empty module");
    }
    try {
      return Parser.parse(bytes);
    } catch (RuntimeException e) {
      String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw new ModuleInvalidException(reason, e);
    }
  }

  private static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  private static void log(WasmConfig config, String line) {
    config.logSink().log(config.name(), LogSink.Source.HOST, line);
  }

  /**
   * Remembers whether the compiler found its code in the cache. Cache I/O errors are logged and
   * treated as misses: a broken cache costs compile time, never correctness.
   */
  private static final class RecordingCache implements Cache {
    private final DiskCache delegate;
    private final Consumer<String> log;
    private boolean hit;

    RecordingCache(DiskCache delegate, Consumer<String> log) {
      this.delegate = delegate;
      this.log = log;
    }

    @Override
    public byte[] get(String key) {
      try {
        byte[] bytes = delegate.get(key);
        hit = bytes != null;
        return bytes;
      } catch (IOException e) {
        log.accept("compiled-code cache unreadable, compiling: " + e);
        return null;
      }
    }

    @Override
    public void putIfAbsent(String key, byte[] data) {
      try {
        delegate.putIfAbsent(key, data);
      } catch (IOException e) {
        log.accept("compiled-code cache not writable, next load compiles again: " + e);
      }
    }
  }
}
