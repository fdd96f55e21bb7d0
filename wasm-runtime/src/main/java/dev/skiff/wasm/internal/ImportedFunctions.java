package dev.skiff.wasm.internal;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The host functions a module imports, worked out once per module: a request's instance is linked
 * with only those (the WASI host offers some fifty, a C function imports a handful), and host
 * modules it does not import at all are not built for it. What is left out could never be called: a
 * module reaches only what it imports.
 */
final class ImportedFunctions {
  private final Set<String> functions;
  private final Set<String> modules;

  private ImportedFunctions(Set<String> functions, Set<String> modules) {
    this.functions = functions;
    this.modules = modules;
  }

  static ImportedFunctions of(WasmModule module) {
    var imports =
        module.importSection().stream()
            .filter(i -> i.importType() == ExternalType.FUNCTION)
            .toList();
    return new ImportedFunctions(
        imports.stream()
            .map(i -> key(i.module(), i.name()))
            .collect(Collectors.toUnmodifiableSet()),
        imports.stream().map(i -> i.module()).collect(Collectors.toUnmodifiableSet()));
  }

  /** Whether the module imports any function of host module {@code module}. */
  boolean fromModule(String module) {
    return modules.contains(module);
  }

  /** The functions of {@code offered} the module imports, in their order. */
  HostFunction[] keep(HostFunction[] offered) {
    return Arrays.stream(offered)
        .filter(f -> functions.contains(key(f.module(), f.name())))
        .toArray(HostFunction[]::new);
  }

  private static String key(String module, String name) {
    return module + '\0' + name;
  }
}
