package dev.skiff.wasm;

import static dev.skiff.wasm.Calls.await;
import static dev.skiff.wasm.Calls.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Loading: what is rejected, with which reason, and how compiled code is cached across restarts.
 */
class ModuleLoadingTest {
  private static final byte[] HELLO = Wat.printing("Content-Type: text/plain\n\nhello");

  /** A module whose only function claims to return i32 but leaves an i64: fails validation. */
  private static final byte[] TYPE_MISMATCH = {
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00, // magic, version
    0x01,
    0x05,
    0x01,
    0x60,
    0x00,
    0x01,
    0x7f, // type section: () -> i32
    0x03,
    0x02,
    0x01,
    0x00, // function section: one function of type 0
    0x0a,
    0x06,
    0x01,
    0x04,
    0x00,
    0x42,
    0x00,
    0x0b // code: i64.const 0, end
  };

  @Test
  void bytesThatAreNotWasmAreRejectedWithTheParsersReason() {
    try (var runtime = WasmRuntime.builder().build()) {
      var error =
          assertThrows(
              ModuleInvalidException.class,
              () ->
                  runtime.load(
                      "<html>".getBytes(StandardCharsets.UTF_8), WasmConfig.builder().build()));
      assertTrue(error.reason().contains("magic header not detected"), error.getMessage());
    }
  }

  @Test
  void moduleFailingValidationIsRejectedWithTheValidatorsReason() {
    try (var runtime = WasmRuntime.builder().build()) {
      var error =
          assertThrows(
              ModuleInvalidException.class,
              () -> runtime.load(TYPE_MISMATCH, WasmConfig.builder().build()));
      assertTrue(error.reason().contains("type mismatch"), error.getMessage());
      assertInstanceOf(WasmException.class, error);
    }
  }

  @Test
  void emptyBytesAreRejected() {
    try (var runtime = WasmRuntime.builder().build()) {
      assertThrows(
          ModuleInvalidException.class,
          () -> runtime.load(new byte[0], WasmConfig.builder().build()));
    }
  }

  @Test
  void moduleWithoutStartIsRejected() {
    try (var runtime = WasmRuntime.builder().build()) {
      var error =
          assertThrows(
              ModuleInvalidException.class,
              () ->
                  runtime.load(
                      Wat.assemble("(module (func (export \"main\")))"),
                      WasmConfig.builder().build()));
      assertTrue(error.reason().contains("_start"), error.getMessage());
    }
  }

  @Test
  void moduleImportingWhatTheHostLacksIsRejected() {
    byte[] module =
        Wat.assemble(
            "(module (import \"env\" \"http_fetch\" (func (param i32))) (func (export"
                + " \"_start\")))");
    try (var runtime = WasmRuntime.builder().build()) {
      var error =
          assertThrows(
              ModuleInvalidException.class,
              () -> runtime.load(module, WasmConfig.builder().build()));
      assertTrue(error.reason().contains("env.http_fetch"), error.getMessage());
    }
  }

  @Test
  void moduleImportingAWasiFunctionWithTheWrongTypeIsRejectedAtLoad() {
    byte[] module =
        Wat.assemble(
            "(module (import \"wasi_snapshot_preview1\" \"fd_write\" (func (param i32)))"
                + " (memory (export \"memory\") 1) (func (export \"_start\")))");
    try (var runtime = WasmRuntime.builder().build()) {
      var error =
          assertThrows(
              ModuleInvalidException.class,
              () -> runtime.load(module, WasmConfig.builder().build()));
      assertTrue(error.reason().startsWith("cannot be instantiated"), error.getMessage());
    }
  }

  @Test
  void moduleDeclaringMoreMinimumMemoryThanTheLimitIsRejected() {
    byte[] module = Wat.assemble("(module (memory 3000) (func (export \"_start\")))");
    try (var runtime = WasmRuntime.builder().build()) {
      var error =
          assertThrows(
              ModuleInvalidException.class,
              () -> runtime.load(module, WasmConfig.builder().build()));
      assertTrue(
          error.reason().contains("3000 memory pages but the limit is 2048"), error.getMessage());
      // the same module loads when the limit allows it
      runtime.load(module, WasmConfig.builder().withMaxMemoryBytes(3000L * 65536).build());
    }
  }

  @Test
  void aModuleInMemoryIsReusedByItsSha256WithoutLoadingItAgain() throws Exception {
    String sha256 = sha256(HELLO);
    try (var runtime = WasmRuntime.builder().build()) {
      assertTrue(
          runtime.reuse(sha256, WasmConfig.builder().build()).isEmpty(),
          "nothing is in memory before the first load");
      runtime.load(HELLO, WasmConfig.builder().build());
      long hits = runtime.stats().cacheHits();

      var reused = runtime.reuse(sha256, WasmConfig.builder().withName("again").build());

      assertTrue(reused.isPresent());
      assertTrue(reused.get().compileStats().fromCache());
      assertEquals(hits + 1, runtime.stats().cacheHits());
      assertEquals("hello", get(reused.get(), "/").bodyText());
      assertTrue(
          runtime.reuse("0".repeat(64), WasmConfig.builder().build()).isEmpty(),
          "another digest is not in memory");
      assertTrue(
          runtime
              .reuse(sha256, WasmConfig.builder().withMaxMemoryBytes(64L * 65536).build())
              .isEmpty(),
          "a memory limit the module was never tried under needs a load");
    }
  }

  @Test
  void reuseRefusesAModuleThatCannotRunUnderTheNewLimit() throws Exception {
    byte[] module = Wat.assemble("(module (memory 3000) (func (export \"_start\")))");
    String sha256 = sha256(module);
    try (var runtime = WasmRuntime.builder().build()) {
      runtime.load(module, WasmConfig.builder().withMaxMemoryBytes(3000L * 65536).build());

      assertTrue(
          runtime
              .reuse(sha256, WasmConfig.builder().withMaxMemoryBytes(3000L * 65536).build())
              .isPresent());
      assertTrue(
          runtime.reuse(sha256, WasmConfig.builder().build()).isEmpty(),
          "the default limit (2048 pages) was never tried: load, which rejects it");
    }
  }

  @Test
  void secondRuntimeOnTheSameCacheDirLoadsWithoutCompiling(@TempDir Path cacheDir) {
    CompileStats cold;
    try (var first = WasmRuntime.builder().withCacheDir(cacheDir).build()) {
      var function = first.load(HELLO, WasmConfig.builder().build());
      cold = function.compileStats();
      assertFalse(cold.fromCache());
      assertEquals(ExecutionMode.COMPILED, cold.mode());
      assertEquals(1, first.stats().compiles());
      assertEquals("hello", get(function, "/").bodyText());
    }

    try (var second = WasmRuntime.builder().withCacheDir(cacheDir).build()) {
      var function = second.load(HELLO, WasmConfig.builder().build());

      assertTrue(function.compileStats().fromCache());
      assertEquals(cold.digest(), function.compileStats().digest());
      assertEquals(0, second.stats().compiles());
      assertEquals(1, second.stats().cacheHits());
      assertEquals("hello", get(function, "/").bodyText());
    }
  }

  @Test
  void cacheEntryIsKeyedByTheModulesSha256(@TempDir Path cacheDir) throws Exception {
    try (var runtime = WasmRuntime.builder().withCacheDir(cacheDir).build()) {
      var stats = runtime.load(HELLO, WasmConfig.builder().build()).compileStats();

      var sha256 = java.security.MessageDigest.getInstance("SHA-256").digest(HELLO);
      assertEquals(java.util.HexFormat.of().formatHex(sha256), stats.digest());
      try (var entries = Files.walk(cacheDir)) {
        assertTrue(
            entries.anyMatch(p -> p.getFileName().toString().equals(stats.digest() + ".jar")));
      }
    }
  }

  @Test
  void corruptCacheEntryIsRecompiled(@TempDir Path cacheDir) throws Exception {
    String digest;
    try (var runtime = WasmRuntime.builder().withCacheDir(cacheDir).build()) {
      digest = runtime.load(HELLO, WasmConfig.builder().build()).compileStats().digest();
    }
    try (var entries = Files.walk(cacheDir)) {
      Path entry =
          entries.filter(p -> p.toString().endsWith(digest + ".jar")).findFirst().orElseThrow();
      Files.write(entry, "not a jar".getBytes(StandardCharsets.UTF_8));
    }

    try (var runtime = WasmRuntime.builder().withCacheDir(cacheDir).build()) {
      var function = runtime.load(HELLO, WasmConfig.builder().build());

      assertEquals("hello", get(function, "/").bodyText());
      assertEquals(1, runtime.stats().compiles());
    }
  }

  @Test
  void interpretedModeSkipsTheCompiler(@TempDir Path cacheDir) {
    try (var runtime =
        WasmRuntime.builder().withCacheDir(cacheDir).withMode(ExecutionMode.INTERPRETED).build()) {
      var function = runtime.load(HELLO, WasmConfig.builder().build());

      assertEquals(ExecutionMode.INTERPRETED, function.compileStats().mode());
      assertEquals(0, runtime.stats().compiles());
      assertEquals("hello", get(function, "/").bodyText());
    }
  }

  @Test
  void loadAsyncReportsInvalidModulesThroughTheFuture() {
    try (var runtime = WasmRuntime.builder().build()) {
      var future = runtime.loadAsync(TYPE_MISMATCH, WasmConfig.builder().build());

      assertThrows(ModuleInvalidException.class, () -> await(future));
      assertEquals(
          "hello",
          get(await(runtime.loadAsync(HELLO, WasmConfig.builder().build())), "/").bodyText());
    }
  }

  private static String sha256(byte[] bytes) throws Exception {
    return java.util.HexFormat.of()
        .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
