package dev.skiff.wasm.internal;

import com.dylibso.chicory.runtime.HostFunction;
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
    int apply(WasiPreview1 wasi, Instance instance, long[] a);
  }

  /** The request running on this thread: its WASI context and CPU slot. */
  private record Running(WasiPreview1 wasi, CpuSlot slot) {}

  private static final ThreadLocal<Running> RUNNING = new ThreadLocal<>();

  private static final Map<String, Call> CALLS =
      Map.ofEntries(
          Map.entry("args_get", (w, i, a) -> w.argsGet(i.memory(), (int) a[0], (int) a[1])),
          Map.entry(
              "args_sizes_get", (w, i, a) -> w.argsSizesGet(i.memory(), (int) a[0], (int) a[1])),
          Map.entry("environ_get", (w, i, a) -> w.environGet(i.memory(), (int) a[0], (int) a[1])),
          Map.entry(
              "environ_sizes_get",
              (w, i, a) -> w.environSizesGet(i.memory(), (int) a[0], (int) a[1])),
          Map.entry(
              "clock_res_get", (w, i, a) -> w.clockResGet(i.memory(), (int) a[0], (int) a[1])),
          Map.entry(
              "clock_time_get",
              (w, i, a) -> w.clockTimeGet(i.memory(), (int) a[0], a[1], (int) a[2])),
          Map.entry("fd_close", (w, i, a) -> w.fdClose((int) a[0])),
          Map.entry(
              "fd_fdstat_get", (w, i, a) -> w.fdFdstatGet(i.memory(), (int) a[0], (int) a[1])),
          Map.entry("fd_fdstat_set_flags", (w, i, a) -> w.fdFdstatSetFlags((int) a[0], (int) a[1])),
          Map.entry(
              "fd_filestat_get", (w, i, a) -> w.fdFilestatGet(i.memory(), (int) a[0], (int) a[1])),
          Map.entry(
              "fd_prestat_get", (w, i, a) -> w.fdPrestatGet(i.memory(), (int) a[0], (int) a[1])),
          Map.entry(
              "fd_prestat_dir_name",
              (w, i, a) -> w.fdPrestatDirName(i.memory(), (int) a[0], (int) a[1], (int) a[2])),
          Map.entry(
              "fd_read",
              (w, i, a) -> w.fdRead(i.memory(), (int) a[0], (int) a[1], (int) a[2], (int) a[3])),
          Map.entry(
              "fd_write",
              (w, i, a) -> w.fdWrite(i.memory(), (int) a[0], (int) a[1], (int) a[2], (int) a[3])),
          Map.entry(
              "fd_seek",
              (w, i, a) -> w.fdSeek(i.memory(), (int) a[0], a[1], (int) a[2], (int) a[3])),
          Map.entry("fd_tell", (w, i, a) -> w.fdTell(i.memory(), (int) a[0], (int) a[1])),
          Map.entry("fd_sync", (w, i, a) -> w.fdSync((int) a[0])),
          Map.entry("fd_datasync", (w, i, a) -> w.fdDatasync((int) a[0])),
          Map.entry("random_get", (w, i, a) -> w.randomGet(i.memory(), (int) a[0], (int) a[1])),
          Map.entry("sched_yield", (w, i, a) -> w.schedYield()),
          Map.entry(
              "poll_oneoff",
              (w, i, a) ->
                  w.pollOneoff(i.memory(), (int) a[0], (int) a[1], (int) a[2], (int) a[3])));

  /** The types WASI declares, from Chicory's own host functions. */
  private static final Map<String, FunctionType> TYPES = types();

  private final HostFunction[] functions;

  private LinkedWasi(HostFunction[] functions) {
    this.functions = functions;
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

  /**
   * Runs {@code work} (instantiation and {@code _start}) with {@code wasi} and {@code slot} as this
   * thread's running request, so that the shared functions reach them.
   */
  static <T> T run(WasiPreview1 wasi, CpuSlot slot, java.util.function.Supplier<T> work) {
    RUNNING.set(new Running(wasi, slot));
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
            long[] result = {call.apply(r.wasi(), instance, a)};
            r.slot().acquire();
            return result;
          });
    }
    return new HostFunction(
        WasiImports.MODULE,
        name,
        type,
        (instance, a) -> new long[] {call.apply(running().wasi(), instance, a)});
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
