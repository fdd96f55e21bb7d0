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
  private final LinkedWasi linkedWasi;

  private ImportedFunctions(Set<String> functions, Set<String> modules, LinkedWasi linkedWasi) {
    this.functions = functions;
    this.modules = modules;
    this.linkedWasi = linkedWasi;
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
        imports.stream().map(i -> i.module()).collect(Collectors.toUnmodifiableSet()),
        LinkedWasi.of(module));
  }

  /** The module's WASI functions built once, or null when its imports need them per request. */
  LinkedWasi linkedWasi() {
    return linkedWasi;
  }

  /** Whether the module imports any function of host module {@code module}. */
  boolean fromModule(String module) {
    return modules.contains(module);
  }

  /** The functions of {@code offered} the module imports, in their order. */
  HostFunction[] keep(HostFunction[] offered) {
    Pick pick = last;
    if (pick == null || !pick.fits(offered)) {
      pick = Pick.of(offered, functions);
      last = pick;
    }
    HostFunction[] kept = new HostFunction[pick.indices.length];
    for (int i = 0; i < kept.length; i++) {
      kept[i] = offered[pick.indices[i]];
    }
    return kept;
  }

  /**
   * Which positions of an offered array were kept, remembered with the names it had: a function's
   * requests offer arrays of one shape (the same host functions in the same order), so the choice
   * is worked out once rather than per request; an array of another shape is worked out afresh.
   */
  private volatile Pick last;

  private record Pick(String[] modules, String[] names, int[] indices) {
    static Pick of(HostFunction[] offered, Set<String> functions) {
      String[] modules = new String[offered.length];
      String[] names = new String[offered.length];
      int[] indices = new int[offered.length];
      int n = 0;
      for (int i = 0; i < offered.length; i++) {
        modules[i] = offered[i].module();
        names[i] = offered[i].name();
        if (functions.contains(key(modules[i], names[i]))) {
          indices[n++] = i;
        }
      }
      return new Pick(modules, names, Arrays.copyOf(indices, n));
    }

    boolean fits(HostFunction[] offered) {
      if (offered.length != names.length) {
        return false;
      }
      for (int i = 0; i < offered.length; i++) {
        if (!same(names[i], offered[i].name()) || !same(modules[i], offered[i].module())) {
          return false;
        }
      }
      return true;
    }

    private static boolean same(String a, String b) {
      return a == b || a.equals(b); // the host's names are constants: usually the same object
    }
  }

  private static String key(String module, String name) {
    return module + '\0' + name;
  }
}
