package dev.skiff.wasm.internal;

import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.Export;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.Import;
import dev.skiff.wasm.ModuleInvalidException;
import dev.skiff.wasm.WasmConfig;

/**
 * Rejects, at load time, modules that validate but cannot run here, so a deploy fails instead of
 * every request.
 */
final class ModuleChecks {
  /** Largest table a module may declare or grow to; bounds the heap one instance can take. */
  static final int MAX_TABLE_ENTRIES = 1_000_000;

  private ModuleChecks() {}

  static void check(WasmModule module, WasmConfig config) {
    checkImports(module);
    checkMemory(module, config);
    checkTables(module);
    checkStart(module);
  }

  private static void checkImports(WasmModule module) {
    var imports = module.importSection();
    for (int i = 0; i < imports.importCount(); i++) {
      Import imp = imports.getImport(i);
      if (imp.importType() != ExternalType.FUNCTION
          || !(WasiImports.provides(imp.module(), imp.name())
              || ExperimentalHttp.provides(imp.module(), imp.name()))) {
        throw new ModuleInvalidException(
            "imports "
                + imp.importType().name().toLowerCase(java.util.Locale.ROOT)
                + " '"
                + imp.module()
                + "."
                + imp.name()
                + "', which this host does not provide; only "
                + WasiImports.MODULE
                + " functions and "
                + ExperimentalHttp.MODULE
                + "'s req, close, header_get, headers_get_all and body_read are available (build"
                + " for wasm32-wasi)");
      }
    }
  }

  private static void checkMemory(WasmModule module, WasmConfig config) {
    var section = module.memorySection();
    if (section.isEmpty()) {
      return;
    }
    if (section.get().memoryCount() > 1) {
      throw new ModuleInvalidException(
          "declares more than one memory; multi-memory is not supported");
    }
    var limits = section.get().getMemory(0).limits();
    if (limits.shared()) {
      throw new ModuleInvalidException("declares shared memory; threads are not supported");
    }
    if (limits.initialPages() > config.maxMemoryPages()) {
      throw new ModuleInvalidException(
          "needs at least "
              + limits.initialPages()
              + " memory pages but the limit is "
              + config.maxMemoryPages()
              + " ("
              + config.maxMemoryBytes()
              + " bytes); raise the memory limit or link with a smaller initial memory");
    }
  }

  private static void checkTables(WasmModule module) {
    var tables = module.tableSection();
    for (int i = 0; i < tables.tableCount(); i++) {
      if (tables.getTable(i).limits().min() > MAX_TABLE_ENTRIES) {
        throw new ModuleInvalidException(
            "declares a table of "
                + tables.getTable(i).limits().min()
                + " entries; the limit is "
                + MAX_TABLE_ENTRIES);
      }
    }
  }

  private static void checkStart(WasmModule module) {
    var exports = module.exportSection();
    for (int i = 0; i < exports.exportCount(); i++) {
      Export export = exports.getExport(i);
      if ("_start".equals(export.name()) && export.exportType() == ExternalType.FUNCTION) {
        return;
      }
    }
    throw new ModuleInvalidException(
        "exports no _start function; build it as a WASI command (a program with main)");
  }
}
