package dev.skiff.wasm;

import static dev.skiff.wasm.Calls.respond;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A request's instance reuses the linear memory an earlier request of the same function instance
 * left behind, and must see it exactly as a fresh instantiation leaves it: the security boundary
 * between requests (docs/security.md, Wasm).
 */
class MemoryReuseTest {
  /** memory.size, global, two secret slots, the data segment's first byte, table size. */
  private static final String FRESH = "0002" + "0000" + "0000" + "0000" + "0048" + "0001";

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void aRequestOnAReusedMemorySeesNoneOfThePreviousRequestsSecrets(ExecutionMode mode) {
    try (var runtime = WasmRuntime.builder().withMode(mode).withThreads(1).build()) {
      var function = runtime.load(Wat.secretKeeper(), WasmConfig.builder().build());

      assertEquals(FRESH, respond(function, plain()).bodyText());
      // the first request's memory, full of its secrets, is kept for the next one
      assertTrue(runtime.stats().pooledMemoryBytes() >= 2 * 65_536, runtime.stats().toString());

      for (int i = 0; i < 3; i++) {
        assertEquals(FRESH, respond(function, plain()).bodyText());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void aMemoryThatGrewIsDroppedAndTheNextRequestStartsAtTheInitialSize(ExecutionMode mode) {
    try (var runtime = WasmRuntime.builder().withMode(mode).withThreads(1).build()) {
      var function = runtime.load(Wat.secretKeeper(), WasmConfig.builder().build());
      assertEquals(FRESH, respond(function, plain()).bodyText());

      // takes the kept memory, writes its secrets and grows it by a page
      assertEquals(FRESH, respond(function, growing()).bodyText());
      assertEquals(0, runtime.stats().pooledMemoryBytes());

      assertEquals(FRESH, respond(function, plain()).bodyText());
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void noMemoryIsKeptWhenReuseIsOff(ExecutionMode mode) {
    try (var runtime =
        WasmRuntime.builder().withMode(mode).withThreads(1).withPooledMemoryBytes(0).build()) {
      var function = runtime.load(Wat.secretKeeper(), WasmConfig.builder().build());

      assertEquals(FRESH, respond(function, plain()).bodyText());
      assertEquals(FRESH, respond(function, plain()).bodyText());
      assertEquals(0, runtime.stats().pooledMemoryBytes());
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void aStoppedFunctionKeepsNoMemory(ExecutionMode mode) {
    try (var runtime = WasmRuntime.builder().withMode(mode).withThreads(1).build()) {
      var function = runtime.load(Wat.secretKeeper(), WasmConfig.builder().build());
      respond(function, plain());
      assertTrue(runtime.stats().pooledMemoryBytes() > 0);

      function.close(); // what the node does when the instance stops, e.g. at scale to zero

      assertEquals(0, runtime.stats().pooledMemoryBytes());
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void functionsOfOneModuleNeverShareAMemory(ExecutionMode mode) {
    try (var runtime = WasmRuntime.builder().withMode(mode).withThreads(1).build()) {
      var first = runtime.load(Wat.secretKeeper(), WasmConfig.builder().withName("a").build());
      var second = runtime.load(Wat.secretKeeper(), WasmConfig.builder().withName("b").build());
      respond(first, plain());
      long keptByFirst = runtime.stats().pooledMemoryBytes();

      assertEquals(FRESH, respond(second, plain()).bodyText());
      // the second function did not take the first one's memory: both are kept now
      assertEquals(2 * keptByFirst, runtime.stats().pooledMemoryBytes());
    }
  }

  private static WagiRequest plain() {
    return WagiRequest.builder().build();
  }

  private static WagiRequest growing() {
    return WagiRequest.builder()
        .withMethod("POST")
        .withBody("g".getBytes(StandardCharsets.US_ASCII))
        .build();
  }
}
