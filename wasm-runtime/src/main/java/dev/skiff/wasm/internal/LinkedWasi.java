package dev.skiff.wasm.internal;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * WASI's host functions for one module, built once instead of per request. Chicory binds each of
 * its generated host functions to one {@link WasiPreview1} (one request's stdin, stdout,
 * environment and descriptor table), so building them per request cost some 48 functions, their
 * types and handles every time. These handles call the WASI context of the request running on the
 * calling thread ({@link #run}): a guest and the host functions it calls run on that one thread
 * from {@code _start} to its end, so a context never serves another request.
 *
 * <p>Only for a module that imports nothing but the WASI functions listed here (what C and Rust
 * programs built for wasi-libc import); anything else, a preopened directory (whose functions are
 * confined per request) or outbound HTTP, uses the per-request functions. {@code poll_oneoff} gives
 * the request's CPU permit back while it sleeps, like the per-request path.
 */
final class LinkedWasi {
  /** One WASI call: the context's method with the guest's arguments, its errno as the result. */
  private interface Call {
    int apply(Running request, Instance instance, long[] a);
  }

  /** The request running on this thread: its WASI context, environment and CPU slot. */
  private record Running(WasiPreview1 wasi, Environ environ, RequestStdin stdin, CpuSlot slot) {}

  private static final ThreadLocal<Running> RUNNING = new ThreadLocal<>();

  private static final Map<String, Call> CALLS =
      Map.ofEntries(
          Map.entry("args_get", (r, i, a) -> r.wasi().argsGet(i.memory(), (int) a[0], (int) a[1])),
          Map.entry(
              "args_sizes_get",
              (r, i, a) -> r.wasi().argsSizesGet(i.memory(), (int) a[0], (int) a[1])),
          Map.entry(
              "environ_get", (r, i, a) -> r.environ().get(i.memory(), (int) a[0], (int) a[1])),
          Map.entry(
              "environ_sizes_get",
              (r, i, a) -> r.environ().sizesGet(i.memory(), (int) a[0], (int) a[1])),
          Map.entry(
              "clock_res_get",
              (r, i, a) -> r.wasi().clockResGet(i.memory(), (int) a[0], (int) a[1])),
          Map.entry(
              "clock_time_get",
              (r, i, a) -> r.wasi().clockTimeGet(i.memory(), (int) a[0], a[1], (int) a[2])),
          Map.entry("fd_close", LinkedWasi::fdClose),
          Map.entry(
              "fd_fdstat_get",
              (r, i, a) -> r.wasi().fdFdstatGet(i.memory(), (int) a[0], (int) a[1])),
          Map.entry(
              "fd_fdstat_set_flags",
              (r, i, a) -> r.wasi().fdFdstatSetFlags((int) a[0], (int) a[1])),
          Map.entry(
              "fd_filestat_get",
              (r, i, a) -> r.wasi().fdFilestatGet(i.memory(), (int) a[0], (int) a[1])),
          Map.entry(
              "fd_prestat_get",
              (r, i, a) -> r.wasi().fdPrestatGet(i.memory(), (int) a[0], (int) a[1])),
          Map.entry(
              "fd_prestat_dir_name",
              (r, i, a) ->
                  r.wasi().fdPrestatDirName(i.memory(), (int) a[0], (int) a[1], (int) a[2])),
          Map.entry("fd_read", LinkedWasi::fdRead),
          Map.entry(
              "fd_write",
              (r, i, a) ->
                  r.wasi().fdWrite(i.memory(), (int) a[0], (int) a[1], (int) a[2], (int) a[3])),
          Map.entry(
              "fd_seek",
              (r, i, a) -> r.wasi().fdSeek(i.memory(), (int) a[0], a[1], (int) a[2], (int) a[3])),
          Map.entry("fd_tell", (r, i, a) -> r.wasi().fdTell(i.memory(), (int) a[0], (int) a[1])),
          Map.entry("fd_sync", (r, i, a) -> r.wasi().fdSync((int) a[0])),
          Map.entry("fd_datasync", (r, i, a) -> r.wasi().fdDatasync((int) a[0])),
          Map.entry(
              "random_get", (r, i, a) -> r.wasi().randomGet(i.memory(), (int) a[0], (int) a[1])),
          Map.entry("sched_yield", (r, i, a) -> r.wasi().schedYield()),
          Map.entry(
              "poll_oneoff",
              (r, i, a) ->
                  r.wasi().pollOneoff(i.memory(), (int) a[0], (int) a[1], (int) a[2], (int) a[3])));

  /** stdin is copied from the body into the guest's buffers without an array per read. */
  private static int fdRead(Running r, Instance instance, long[] a) {
    if (a[0] == 0 && !r.stdin().isClosed()) {
      int errno = r.stdin().readInto(instance.memory(), (int) a[1], (int) a[2], (int) a[3]);
      if (errno >= 0) {
        return errno;
      }
    }
    return r.wasi().fdRead(instance.memory(), (int) a[0], (int) a[1], (int) a[2], (int) a[3]);
  }

  private static int fdClose(Running r, Instance instance, long[] a) {
    int errno = r.wasi().fdClose((int) a[0]);
    if (a[0] == 0 && errno == 0) {
      r.stdin().markClosed();
    }
    return errno;
  }

  /** The types WASI declares, from Chicory's own host functions. */
  private static final Map<String, FunctionType> TYPES = types();

  private final HostFunction[] functions;

  /**
   * The same functions as Chicory's import values, built once: an instance only reads them (its
   * builder matches them against the module's imports into values of its own).
   */
  private final ImportValues imports;

  private LinkedWasi(HostFunction[] functions) {
    this.functions = functions;
    this.imports = ImportValues.builder().addFunction(functions).build();
  }

  /** The module's WASI functions built once, or null when its imports need the per-request path. */
  static LinkedWasi of(WasmModule module) {
    var linked = new ArrayList<HostFunction>();
    for (var imp : module.importSection().stream().toList()) {
      if (imp.importType() != ExternalType.FUNCTION) {
        continue;
      }
      String name = imp.name();
      if (!WasiImports.MODULE.equals(imp.module())
          || !(name.equals("proc_exit") || CALLS.containsKey(name))
          || !(imp instanceof FunctionImport)) {
        return null;
      }
      linked.add(function(name));
    }
    return new LinkedWasi(linked.toArray(HostFunction[]::new));
  }

  /** The host functions to link a request's instance with: the same array for every request. */
  HostFunction[] functions() {
    return functions;
  }

  /** {@link #functions} as import values, the same for every request. */
  ImportValues imports() {
    return imports;
  }

  /**
   * Runs {@code work} (instantiation and {@code _start}) with {@code wasi}, {@code environ} (the
   * request's environment: {@code wasi} carries none), {@code stdin} (the stream {@code wasi} was
   * given as stdin) and {@code slot} as this thread's running request, so that the shared functions
   * reach them.
   */
  static <T> T run(
      WasiPreview1 wasi,
      Environ environ,
      RequestStdin stdin,
      CpuSlot slot,
      java.util.function.Supplier<T> work) {
    RUNNING.set(new Running(wasi, environ, stdin, slot));
    try {
      return work.get();
    } finally {
      RUNNING.remove();
    }
  }

  private static HostFunction function(String name) {
    FunctionType type = TYPES.get(name);
    if (name.equals("proc_exit")) {
      return new HostFunction(
          WasiImports.MODULE,
          name,
          type,
          (instance, a) -> {
            running().wasi().procExit((int) a[0]);
            return null;
          });
    }
    Call call = CALLS.get(name);
    if (name.equals("poll_oneoff")) {
      return new HostFunction(
          WasiImports.MODULE,
          name,
          type,
          (instance, a) -> {
            // A sleep computes nothing (see Invocation.sleepsWithoutPermit); an interrupt during
            // it unwinds the guest without a permit.
            Running r = running();
            r.slot().release();
            long[] result = {call.apply(r, instance, a)};
            r.slot().acquire();
            return result;
          });
    }
    return new HostFunction(
        WasiImports.MODULE,
        name,
        type,
        (instance, a) -> new long[] {call.apply(running(), instance, a)});
  }

  private static Running running() {
    Running r = RUNNING.get();
    if (r == null) {
      throw new IllegalStateException("a WASI function was called outside its request");
    }
    return r;
  }

  private static Map<String, FunctionType> types() {
    try (var wasi = WasiPreview1.builder().withLogger(SilentLogger.INSTANCE).build()) {
      return Arrays.stream(wasi.toHostFunctions())
          .collect(Collectors.toUnmodifiableMap(HostFunction::name, HostFunction::functionType));
    }
  }
}
