package dev.skiff.wasm;

import static dev.skiff.wasm.Calls.awaitCondition;
import static dev.skiff.wasm.Calls.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Each way a function can fail is its own outcome, costs only its own request, and is logged. */
class FailureOutcomesTest {
  private static final Map<ExecutionMode, WasmRuntime> RUNTIMES = new HashMap<>();
  private static final byte[] HELLO = Wat.printing("Content-Type: text/plain\n\nhello");
  private final List<String> log = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void startRuntimes() {
    for (ExecutionMode mode : ExecutionMode.values()) {
      RUNTIMES.put(mode, WasmRuntime.builder().withMode(mode).withThreads(2).build());
    }
  }

  @AfterAll
  static void stopRuntimes() {
    RUNTIMES.values().forEach(WasmRuntime::close);
  }

  private WasmFunction load(ExecutionMode mode, byte[] module, WasmConfig.Builder config) {
    return RUNTIMES
        .get(mode)
        .load(
            module, config.withLogSink((fn, source, line) -> log.add(source + " " + line)).build());
  }

  private static void assertStillServes(ExecutionMode mode) {
    var hello = RUNTIMES.get(mode).load(HELLO, WasmConfig.builder().build());
    assertEquals("hello", get(hello, "/").bodyText());
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void infiniteLoopTimesOutWith504PromptlyAndFreesTheThread(ExecutionMode mode) {
    var timeout = Duration.ofMillis(500);
    var function = load(mode, Wat.infiniteLoop(), WasmConfig.builder().withTimeout(timeout));
    long start = System.nanoTime();

    var failure = failureOf(function.handle(WagiRequest.builder().build()));

    var elapsed = Duration.ofNanos(System.nanoTime() - start);
    assertInstanceOf(FunctionTimeoutException.class, failure);
    assertEquals(504, WagiResponse.statusOf(failure));
    assertTrue(elapsed.compareTo(timeout.plusSeconds(1)) < 0, "answered after " + elapsed);
    awaitCondition(Duration.ofSeconds(2), () -> RUNTIMES.get(mode).stats().busyThreads() == 0);
    awaitCondition(Duration.ofSeconds(2), () -> function.inFlight() == 0);
    assertTrue(log.stream().anyMatch(line -> line.startsWith("HOST timed out")), log.toString());
    assertStillServes(mode);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void memoryBombTrapsWith500AtTheMemoryLimit(ExecutionMode mode) {
    var function = load(mode, Wat.memoryBomb(16), WasmConfig.builder());

    var failure = failureOf(function.handle(WagiRequest.builder().build()));

    assertInstanceOf(FunctionTrapException.class, failure);
    assertEquals(500, WagiResponse.statusOf(failure));
    assertStillServes(mode);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void memoryGrowFailsExactlyAtTheConfiguredLimit(ExecutionMode mode) {
    var function =
        load(mode, Wat.memorySizeAfterGrowing(), WasmConfig.builder().withMaxMemoryBytes(1 << 20));

    assertEquals("0016", get(function, "/").bodyText());
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void unreachableTrapsWith500(ExecutionMode mode) {
    var function = load(mode, Wat.unreachable(), WasmConfig.builder());

    var failure = failureOf(function.handle(WagiRequest.builder().build()));

    assertInstanceOf(FunctionTrapException.class, failure);
    assertEquals(500, WagiResponse.ofFailure(failure).status());
    assertTrue(failure.getMessage().contains("unreachable"), failure.getMessage());
    assertTrue(log.stream().anyMatch(line -> line.contains("unreachable")), log.toString());
    assertStillServes(mode);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void unboundedRecursionTrapsWith500(ExecutionMode mode) {
    var function = load(mode, Wat.infiniteRecursion(), WasmConfig.builder());

    var failure = failureOf(function.handle(WagiRequest.builder().build()));

    assertInstanceOf(FunctionTrapException.class, failure);
    assertTrue(failure.getMessage().contains("call stack exhausted"), failure.getMessage());
    assertStillServes(mode);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void nonZeroExitFailsWith500(ExecutionMode mode) {
    var function = load(mode, Wat.exit(3), WasmConfig.builder());

    var failure = failureOf(function.handle(WagiRequest.builder().build()));

    assertEquals(3, assertInstanceOf(FunctionExitException.class, failure).exitCode());
    assertEquals(500, WagiResponse.statusOf(failure));
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void outputWithoutHeaderSeparatorIsMalformedWith502(ExecutionMode mode) {
    var function =
        load(mode, Wat.printing("Content-Type: text/plain\nhello"), WasmConfig.builder());

    var failure = failureOf(function.handle(WagiRequest.builder().build()));

    assertInstanceOf(MalformedResponseException.class, failure);
    assertEquals(502, WagiResponse.statusOf(failure));
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void headerValueWithCarriageReturnIsRefusedWith502NamingTheHeader(ExecutionMode mode) {
    var function =
        load(
            mode,
            Wat.printing("Content-Type: text/plain\nX-Evil: a\rSet-Cookie: session=stolen\n\nbody"),
            WasmConfig.builder());

    var failure = failureOf(function.handle(WagiRequest.builder().build()));
    var answer = WagiResponse.ofFailure(failure);

    assertEquals(502, answer.status());
    assertTrue(answer.bodyText().contains("invalid header 'X-Evil'"), answer.bodyText());
    assertFalse(answer.bodyText().contains("session=stolen"), answer.bodyText());
    assertTrue(answer.header("Set-Cookie").isEmpty());
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void invalidStatusIsMalformedWith502(ExecutionMode mode) {
    var function =
        load(mode, Wat.printing("Status: ok\nContent-Type: text/plain\n\n"), WasmConfig.builder());

    var failure = failureOf(function.handle(WagiRequest.builder().build()));

    assertInstanceOf(MalformedResponseException.class, failure);
    assertTrue(failure.getMessage().contains("invalid Status"), failure.getMessage());
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void responseOverTheCapStopsTheFunctionWith502(ExecutionMode mode) {
    var function =
        load(
            mode,
            Wat.echo("Content-Type: application/octet-stream\n"),
            WasmConfig.builder().withMaxResponseBytes(1000));

    var failure =
        failureOf(function.handle(WagiRequest.builder().withBody(new byte[5000]).build()));

    assertInstanceOf(ResponseTooLargeException.class, failure);
    assertEquals(502, WagiResponse.statusOf(failure));
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void requestOverTheCapIsRefusedWith413WithoutRunning(ExecutionMode mode) {
    var function = load(mode, Wat.infiniteLoop(), WasmConfig.builder().withMaxRequestBytes(10));

    var failure = failureOf(function.handle(WagiRequest.builder().withBody(new byte[11]).build()));

    assertInstanceOf(RequestTooLargeException.class, failure);
    assertEquals(413, WagiResponse.statusOf(failure));
    assertEquals(0, RUNTIMES.get(mode).stats().busyThreads());
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void stderrLinesReachTheLogSink(ExecutionMode mode) {
    var function =
        load(mode, Wat.printingTo(2, "first line\r\nsecond\nunterminated"), WasmConfig.builder());

    failureOf(function.handle(WagiRequest.builder().build())); // no stdout: malformed

    assertEquals("STDERR first line", log.get(0));
    assertEquals("STDERR second", log.get(1));
    assertEquals("STDERR unterminated", log.get(2));
  }

  static Throwable failureOf(io.vertx.core.Future<WagiResponse> future) {
    var error =
        assertThrows(
            ExecutionException.class,
            () ->
                future
                    .toCompletionStage()
                    .toCompletableFuture()
                    .get(30, java.util.concurrent.TimeUnit.SECONDS));
    return error.getCause();
  }
}
