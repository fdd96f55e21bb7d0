package dev.skiff.wasm.internal;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.runtime.ExecutionCompletedException;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.runtime.TableInstance;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.Table;
import com.dylibso.chicory.wasm.types.TableLimits;
import dev.skiff.wasm.FunctionExitException;
import dev.skiff.wasm.FunctionTrapException;
import dev.skiff.wasm.LogSink;
import dev.skiff.wasm.ModuleInvalidException;
import dev.skiff.wasm.WagiRequest;
import dev.skiff.wasm.WagiResponse;
import dev.skiff.wasm.WasmConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.function.Function;

/**
 * Runs one request on the calling thread: a fresh WASI context and instance, {@code _start} once,
 * stdout parsed as CGI. Everything it creates is garbage afterwards, except the instance's linear
 * memory, which goes back to the function's {@link MemoryPool} and is reset by the next
 * instantiation; failures are thrown as they come and classified by {@link FailureClassifier}.
 */
final class Invocation {
  /** WASI's random_get must be a CSPRNG; SecureRandom is thread-safe. */
  private static final SecureRandom RANDOM = new SecureRandom();

  /** The descriptor of the one preopened directory: after stdin, stdout and stderr. */
  private static final int PREOPENED_FD = 3;

  private Invocation() {}

  static WagiResponse run(
      CompiledWasm wasm,
      WasmConfig config,
      WagiRequest request,
      CpuSlot slot,
      MemoryPool memories,
      ImportedFunctions imported) {
    long deadline = System.nanoTime() + config.timeout().toNanos();
    // Sized for the CGI headers and about the body again (up to 64 KiB): what a function that
    // answers with (a transformation of) its input writes, the event example's case; grown as
    // usual beyond.
    var stdout =
        new BoundedOutputStream(
            config.maxResponseBytes(), Math.min(request.body().length + 512, 64 << 10));
    var stderr = new StderrLineSink(config.logSink(), config.name());
    var stdin = new RequestStdin(request.body());
    var options =
        WasiOptions.builder()
            .withRandom(RANDOM)
            .withArguments(CgiEnvironment.args(request, config.name()))
            .withStdin(stdin, false)
            .withStdout(stdout, false)
            .withStderr(stderr, false);
    // A module importing only plain WASI functions is linked with functions built once per
    // module, which reach this request's context and environment through the thread
    // (LinkedWasi); a directory (confined per request) or outbound HTTP needs functions bound to
    // this request.
    LinkedWasi linked = config.directory().isEmpty() ? imported.linkedWasi() : null;
    Environ environ = null;
    if (linked != null) {
      environ = RequestEnviron.of(request, config);
    } else {
      CgiEnvironment.env(request, config).forEach(options::withEnvironment);
    }
    Path root = config.directory().map(dir -> realPath(dir.hostPath())).orElse(null);
    config.directory().ifPresent(dir -> options.withDirectory(dir.guestPath(), root));
    try (var wasi =
        WasiPreview1.builder()
            .withLogger(SilentLogger.INSTANCE)
            .withOptions(options.build())
            .build()) {
      Instance instance;
      if (linked != null) {
        instance =
            LinkedWasi.run(
                wasi,
                environ,
                stdin,
                slot,
                () -> start(instantiate(wasm, config, linked.imports(), memories::take)));
      } else {
        HostFunction[] functions = sleepsWithoutPermit(wasi.toHostFunctions(), slot);
        if (root != null) {
          functions = ConfinedWasi.wrap(functions, wasi, root, PREOPENED_FD);
          if (!config.directory().get().writable()) {
            functions = ReadOnlyWasi.wrap(functions);
          }
        }
        if (imported.fromModule(ExperimentalHttp.MODULE)) {
          functions = withOutboundHttp(functions, new ExperimentalHttp(config, slot, deadline));
        }
        instance =
            start(
                instantiate(
                    wasm,
                    config,
                    ImportValues.builder().addFunction(imported.keep(functions)).build(),
                    memories::take));
      }
      // The guest has stopped and nothing holds the instance any more: its memory may serve the
      // next request, whose instantiation resets it (see MemoryPool). Not after a trap or an
      // interrupt: those paths are rare and keep nothing.
      memories.give(instance.memory());
    } finally {
      stderr.close();
    }
    return CgiResponseParser.parse(
        stdout.array(),
        stdout.size(),
        warning -> config.logSink().log(config.name(), LogSink.Source.HOST, warning));
  }

  /** Runs {@code _start}; an exit with status 0 is a normal end, another a failure. */
  private static Instance start(Instance instance) {
    try {
      instance.export("_start").apply();
    } catch (WasiExitException e) {
      if (e.exitCode() != 0) {
        throw new FunctionExitException(e.exitCode());
      }
    } catch (ExecutionCompletedException e) {
      // proc_exit(0) when WASI is told not to throw: success
    }
    return instance;
  }

  /**
   * A guest blocked in poll_oneoff (a WASI sleep) computes nothing, so it gives its CPU permit back
   * for the wait and queues for one afterwards. An interrupt during the sleep unwinds the guest
   * without a permit. stdin never blocks: the body is complete before the guest starts.
   */
  private static HostFunction[] sleepsWithoutPermit(HostFunction[] functions, CpuSlot slot) {
    var wrapped = functions.clone();
    for (int i = 0; i < wrapped.length; i++) {
      HostFunction fn = wrapped[i];
      if (fn.name().equals("poll_oneoff")) {
        wrapped[i] =
            new HostFunction(
                fn.module(),
                fn.name(),
                fn.functionType(),
                (inst, args) -> {
                  slot.release();
                  long[] result = fn.handle().apply(inst, args);
                  slot.acquire();
                  return result;
                });
      }
    }
    return wrapped;
  }

  private static HostFunction[] withOutboundHttp(HostFunction[] wasi, ExperimentalHttp http) {
    HostFunction[] outbound = http.functions();
    HostFunction[] all = java.util.Arrays.copyOf(wasi, wasi.length + outbound.length);
    System.arraycopy(outbound, 0, all, wasi.length, outbound.length);
    return all;
  }

  /** The mount root without links in it, so that confinement compares real paths. */
  private static Path realPath(Path hostPath) {
    try {
      return hostPath.toRealPath();
    } catch (IOException e) {
      throw new FunctionTrapException(
          "the function's directory is missing on this node; redeploy or ask the operator", e);
    }
  }

  /**
   * Instantiates once without running anything, so link errors (an import with the wrong type, a
   * data segment out of bounds) fail the load instead of every request. Skipped for modules with a
   * start section, whose code would run here.
   */
  static void probe(CompiledWasm wasm, WasmConfig config) {
    if (wasm.module().startSection().isPresent()) {
      return;
    }
    try (var wasi = WasiPreview1.builder().withLogger(SilentLogger.INSTANCE).build()) {
      HostFunction[] functions =
          withOutboundHttp(wasi.toHostFunctions(), new ExperimentalHttp(config, null, 0));
      instantiate(
          wasm,
          config,
          ImportValues.builder().addFunction(functions).build(),
          ByteArrayMemory::new);
    } catch (RuntimeException e) {
      throw new ModuleInvalidException("cannot be instantiated: " + e.getMessage(), e);
    }
  }

  private static Instance instantiate(
      CompiledWasm wasm,
      WasmConfig config,
      ImportValues imports,
      Function<MemoryLimits, Memory> memories) {
    int maxPages = config.maxMemoryPages();
    return Instance.builder(wasm.module())
        .withMachineFactory(wasm.machineFactory())
        .withImportValues(imports)
        .withMemoryFactory(limits -> memories.apply(capped(limits, maxPages)))
        .withTableFactory(Invocation::privateTable)
        .withStart(false)
        .build();
  }

  /** Limits the guest cannot grow past: memory.grow returns -1 beyond the configured limit. */
  private static MemoryLimits capped(MemoryLimits declared, int maxPages) {
    int max = Math.min(declared.maximumPages(), maxPages);
    return new MemoryLimits(declared.initialPages(), max, declared.shared());
  }

  /**
   * A table with limits of its own. Chicory's table.grow updates the limits object it was built
   * with, which belongs to the shared parsed module; without this copy one request's growth would
   * leak into every later instance. The copy also caps growth.
   */
  private static TableInstance privateTable(Table table, int initValue) {
    TableLimits limits = table.limits();
    long max = Math.min(limits.max(), ModuleChecks.MAX_TABLE_ENTRIES);
    var copy =
        new Table(table.elementType(), new TableLimits(limits.min(), max), table.initialize());
    return new TableInstance(copy, initValue);
  }
}
