package dev.skiff.wasm.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.skiff.wasm.Wat;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImportedFunctionsTest {
  private static final String HTTP = ExperimentalHttp.MODULE;

  private static final byte[] MODULE =
      Wat.assemble(
          """
          (module
            (import "wasi_snapshot_preview1" "fd_write"
              (func (param i32 i32 i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))
            (import "env" "fd_read" (func (param i32 i32 i32 i32) (result i32)))
            (memory (import "env" "memory") 1)
            (func (export "_start")))
          """);

  @Test
  void keepsOnlyTheFunctionsTheModuleImportsInTheOfferedOrder() {
    var imported = ImportedFunctions.of(Parser.parse(MODULE));
    HostFunction[] offered = {
      fn(Wat.WASI, "proc_exit"),
      fn(Wat.WASI, "fd_read"),
      fn(Wat.WASI, "fd_write"),
      fn(Wat.WASI, "random_get"),
      fn("env", "fd_write"),
      fn(HTTP, "req"),
    };

    HostFunction[] kept = imported.keep(offered);

    assertArrayEquals(
        new String[] {"wasi_snapshot_preview1.proc_exit", "wasi_snapshot_preview1.fd_write"},
        Arrays.stream(kept).map(f -> f.module() + "." + f.name()).toArray(String[]::new),
        "same name under another module, or another name, is not what the module imports");
  }

  @Test
  void knowsWhichHostModulesAFunctionIsImportedFrom() {
    var imported = ImportedFunctions.of(Parser.parse(MODULE));

    assertTrue(imported.fromModule(Wat.WASI));
    assertTrue(imported.fromModule("env"));
    assertFalse(imported.fromModule(HTTP), "no function of it is imported");
  }

  @Test
  void aModuleImportingOutboundHttpKeepsItsFunctions() {
    var imported =
        ImportedFunctions.of(
            Parser.parse(
                Wat.assemble(
                    "(module (import \""
                        + HTTP
                        + "\" \"close\" (func (param i32) (result i32))))")));

    assertTrue(imported.fromModule(HTTP));
    assertArrayEquals(
        new String[] {"close"},
        Arrays.stream(imported.keep(new HostFunction[] {fn(HTTP, "req"), fn(HTTP, "close")}))
            .map(HostFunction::name)
            .toArray(String[]::new));
  }

  @Test
  void anOfferOfAnotherShapeIsWorkedOutAfresh() {
    var imported = ImportedFunctions.of(Parser.parse(MODULE));
    HostFunction[] first = {fn(Wat.WASI, "fd_write"), fn(Wat.WASI, "random_get")};
    HostFunction[] reordered = {fn(Wat.WASI, "random_get"), fn(Wat.WASI, "fd_write")};
    HostFunction[] longer = {
      fn(Wat.WASI, "random_get"), fn(Wat.WASI, "fd_write"), fn(Wat.WASI, "proc_exit")
    };

    assertArrayEquals(new String[] {"fd_write"}, names(imported.keep(first)));
    assertArrayEquals(new String[] {"fd_write"}, names(imported.keep(first)));
    assertArrayEquals(new String[] {"fd_write"}, names(imported.keep(reordered)));
    assertArrayEquals(new String[] {"fd_write", "proc_exit"}, names(imported.keep(longer)));
    assertArrayEquals(new String[] {"fd_write"}, names(imported.keep(first)));
    HostFunction[] again = {fn(Wat.WASI, "fd_write"), fn(Wat.WASI, "random_get")};
    assertTrue(imported.keep(again)[0] == again[0], "the offered function itself is kept");
  }

  private static String[] names(HostFunction[] functions) {
    return Arrays.stream(functions).map(HostFunction::name).toArray(String[]::new);
  }

  private static HostFunction fn(String module, String name) {
    return new HostFunction(
        module, name, FunctionType.of(List.of(), List.of(ValType.I32)), (i, a) -> null);
  }
}
