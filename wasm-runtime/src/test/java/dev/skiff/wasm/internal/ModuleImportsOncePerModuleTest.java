package dev.skiff.wasm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.wasm.ExecutionMode;
import dev.skiff.wasm.WagiRequest;
import dev.skiff.wasm.WagiResponse;
import dev.skiff.wasm.WasmConfig;
import dev.skiff.wasm.Wat;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A cold start makes a new function instance of a module the runtime holds: what depends on the
 * module alone (its imports and the WASI functions linked for them) is worked out when the module
 * is loaded, not again for every instance, while each instance keeps its own memories, limits and
 * configuration.
 */
class ModuleImportsOncePerModuleTest {
  private static final byte[] ECHO = Wat.echo("Content-Type: text/plain\n");

  @Test
  void instancesOfOneLoadedModuleShareItsImportsAndEachAnswersItsOwnRequests() throws Exception {
    var compiler = new ModuleCompiler(ExecutionMode.INTERPRETED, null);
    WasmConfig a = WasmConfig.builder().withName("a").withEnv("WHO", "a").build();
    WasmConfig b = WasmConfig.builder().withName("b").withEnv("WHO", "b").build();
    CompiledWasm loaded = compiler.compile(ECHO, a);
    String key = Digests.hex(loaded.module().digest());
    CompiledWasm first = compiler.reuse(key, a);
    CompiledWasm second = compiler.reuse(key, b);
    assertNotNull(first, "the module is held in memory");
    assertNotNull(second, "the module is held in memory");
    try (var pool = new WorkerPool(2, 1, 100)) {
      var budget = new MemoryBudget(1 << 24);
      var one = new DefaultWasmFunction(first, a, pool, budget);
      var two = new DefaultWasmFunction(second, b, pool, budget);
      assertSame(one.imported(), two.imported(), "the module's imports are worked out once");
      assertNotNull(one.imported().linkedWasi(), "echo imports only WASI functions");
      assertNotSame(one.config(), two.config());
      for (int i = 0; i < 3; i++) {
        assertEquals("one " + i, answer(one, "one " + i));
        assertEquals("two " + i, answer(two, "two " + i));
      }
      one.close();
      assertEquals("two after one stopped", answer(two, "two after one stopped"));
    }
  }

  private static String answer(DefaultWasmFunction fn, String body) throws Exception {
    Future<WagiResponse> f =
        fn.handle(
            WagiRequest.builder()
                .withMethod("POST")
                .withBody(body.getBytes(StandardCharsets.UTF_8))
                .build());
    var done = new CountDownLatch(1);
    f.onComplete(ar -> done.countDown());
    assertTrue(done.await(30, TimeUnit.SECONDS), "not answered in time");
    assertTrue(f.succeeded(), () -> "failed: " + f.cause());
    return f.result().bodyText();
  }
}
