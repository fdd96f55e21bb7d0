package dev.skiff.wasm.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.wasm.Parser;
import dev.skiff.wasm.Wat;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LinkedWasiTest {
  private static LinkedWasi linked(String imports) {
    return LinkedWasi.of(
        Parser.parse(
            Wat.assemble("(module\n" + imports + "\n(memory 1)\n(func (export \"_start\")))")));
  }

  private static String wasi(String name, String signature) {
    return "(import \"wasi_snapshot_preview1\" \"" + name + "\" (func " + signature + "))";
  }

  private static final String FD_WRITE = wasi("fd_write", "(param i32 i32 i32 i32) (result i32)");

  @Test
  void aModuleOfPlainWasiImportsIsLinkedWithFunctionsBuiltOnce() {
    LinkedWasi linked =
        linked(
            FD_WRITE
                + wasi("proc_exit", "(param i32)")
                + wasi("environ_get", "(param i32 i32) (result i32)"));

    assertNotNull(linked);
    assertArrayEquals(
        new String[] {"fd_write", "proc_exit", "environ_get"},
        Arrays.stream(linked.functions()).map(HostFunction::name).toArray(String[]::new));
  }

  @Test
  void pathFunctionsAndOtherHostModulesKeepThePerRequestFunctions() {
    assertNull(
        linked(
            FD_WRITE
                + wasi("path_open", "(param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)")),
        "path functions are confined per request");
    assertNull(
        linked(
            FD_WRITE
                + "(import \""
                + ExperimentalHttp.MODULE
                + "\" \"req\" (func (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))"),
        "outbound HTTP is bound to its request");
  }

  @Test
  void aLinkedFunctionCalledOutsideARequestIsRefused() {
    HostFunction write = linked(FD_WRITE).functions()[0];

    assertThrows(
        IllegalStateException.class, () -> write.handle().apply(null, new long[] {1, 0, 0, 0}));
  }
}
