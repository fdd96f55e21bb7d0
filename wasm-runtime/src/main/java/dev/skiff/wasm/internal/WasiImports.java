package dev.skiff.wasm.internal;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.wasi.WasiPreview1;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/** The imports this host provides: exactly Chicory's WASI preview1 functions. */
final class WasiImports {
  static final String MODULE = "wasi_snapshot_preview1";
  private static final Set<String> NAMES = names();

  private WasiImports() {}

  static boolean provides(String module, String name) {
    return MODULE.equals(module) && NAMES.contains(name);
  }

  private static Set<String> names() {
    try (var wasi = WasiPreview1.builder().withLogger(SilentLogger.INSTANCE).build()) {
      return Arrays.stream(wasi.toHostFunctions())
          .map(HostFunction::name)
          .collect(Collectors.toUnmodifiableSet());
    }
  }
}
