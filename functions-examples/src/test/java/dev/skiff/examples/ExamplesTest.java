package dev.skiff.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.testing.Prerequisites;
import dev.skiff.wasm.ExecutionMode;
import dev.skiff.wasm.WagiRequest;
import dev.skiff.wasm.WagiResponse;
import dev.skiff.wasm.WasmConfig;
import dev.skiff.wasm.WasmFunction;
import dev.skiff.wasm.WasmRuntime;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The packaged example modules, run end to end on the real Wasm runtime in both modes. */
class ExamplesTest {
  private static final Map<ExecutionMode, WasmRuntime> RUNTIMES =
      new EnumMap<>(ExecutionMode.class);

  @BeforeAll
  static void start() {
    for (ExecutionMode mode : ExecutionMode.values()) {
      RUNTIMES.put(mode, WasmRuntime.builder().withMode(mode).build());
    }
  }

  @AfterAll
  static void stop() {
    RUNTIMES.values().forEach(WasmRuntime::close);
  }

  static WagiResponse respond(WasmFunction function, WagiRequest request) throws Exception {
    return function
        .handle(request)
        .recover(e -> Future.succeededFuture(WagiResponse.ofFailure(e)))
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  private static WasmFunction load(ExecutionMode mode, String example) {
    Prerequisites.require(
        Examples.has(example),
        "clang for wasm32-wasi (" + example + ".wasm was not built)",
        "apt-get install clang lld wasi-libc libclang-rt-14-dev-wasm32, then rebuild functions-examples");
    return RUNTIMES
        .get(mode)
        .load(Examples.wasm(example), WasmConfig.builder().withName(example).build());
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void helloGreetsTheNameFromTheQuery(ExecutionMode mode) throws Exception {
    var hello = load(mode, Examples.HELLO);

    var response = respond(hello, WagiRequest.builder().withUri("/?name=x").build());

    assertEquals(200, response.status());
    assertEquals("text/plain; charset=utf-8", response.header("Content-Type").orElseThrow());
    assertEquals("Hello, x!\n", response.bodyText());
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void helloGreetsTheWorldByDefault(ExecutionMode mode) throws Exception {
    var hello = load(mode, Examples.HELLO);

    assertEquals(
        "Hello, world!\n",
        respond(hello, WagiRequest.builder().withUri("/?other=1").build()).bodyText());
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void helloDecodesTheName(ExecutionMode mode) throws Exception {
    var hello = load(mode, Examples.HELLO);

    var response =
        respond(hello, WagiRequest.builder().withUri("/?a=b&name=J%C3%BCrgen+Sch%C3%B6n").build());

    assertEquals("Hello, Jürgen Schön!\n", response.bodyText());
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void echoReflectsTheRequestAndItsBinaryBody(ExecutionMode mode) throws Exception {
    var echo = load(mode, Examples.ECHO);
    byte[] body = new byte[256 * 1024];
    new Random(7).nextBytes(body);
    var request =
        WagiRequest.builder()
            .withMethod("POST")
            .withUri("/upload/file?kind=raw&x=1")
            .withHeader("Content-Type", "application/x-test")
            .withHeader("X-Request-Id", "abc-123")
            .withBody(body)
            .build();

    var response = respond(echo, request);

    assertEquals(200, response.status(), response::bodyText);
    assertEquals("POST", response.header("X-Echo-Method").orElseThrow());
    assertEquals("/upload/file", response.header("X-Echo-Path").orElseThrow());
    assertEquals("kind=raw&x=1", response.header("X-Echo-Query").orElseThrow());
    assertEquals(
        String.valueOf(body.length), response.header("X-Echo-Content-Length").orElseThrow());
    assertEquals("abc-123", response.header("X-Echo-Http-X-Request-Id").orElseThrow());
    assertEquals("application/x-test", response.header("Content-Type").orElseThrow());
    assertArrayEquals(body, response.body());
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void echoWithoutBodyAnswersAnEmptyBody(ExecutionMode mode) throws Exception {
    var echo = load(mode, Examples.ECHO);

    var response = respond(echo, WagiRequest.builder().withUri("/").build());

    assertEquals("GET", response.header("X-Echo-Method").orElseThrow());
    assertEquals("application/octet-stream", response.header("Content-Type").orElseThrow());
    assertEquals(0, response.body().length);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void eventRepliesWithACloudEventCarryingTheEventsData(ExecutionMode mode) throws Exception {
    var event = load(mode, Examples.EVENT);
    byte[] data = new byte[10 * 1024 + 7]; // more than the function copies at a time
    new Random(3).nextBytes(data);
    var request =
        WagiRequest.builder()
            .withMethod("POST")
            .withHeader("ce-id", "partition:0/offset:42")
            .withHeader("ce-type", "dev.skiff.kafka.event")
            .withHeader("ce-source", "/skiff/default/triggers/t#topic")
            .withHeader("ce-specversion", "1.0")
            .withHeader("Content-Type", "application/x-test")
            .withBody(data)
            .build();

    var response = respond(event, request);

    assertEquals(200, response.status(), response::bodyText);
    assertEquals("application/x-test", response.header("Content-Type").orElseThrow());
    assertEquals("1.0", response.header("ce-specversion").orElseThrow());
    assertEquals("reply-partition:0/offset:42", response.header("ce-id").orElseThrow());
    assertEquals("/skiff/examples/event", response.header("ce-source").orElseThrow());
    assertEquals("dev.skiff.examples.event.reply", response.header("ce-type").orElseThrow());
    assertEquals("dev.skiff.kafka.event", response.header("ce-subject").orElseThrow());
    assertArrayEquals(data, response.body());
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void eventRefusesARequestThatIsNotACloudEvent(ExecutionMode mode) throws Exception {
    var event = load(mode, Examples.EVENT);

    var response =
        respond(event, WagiRequest.builder().withMethod("POST").withBody(new byte[3]).build());

    assertEquals(400, response.status());
    assertEquals(
        "not a CloudEvent: send ce-id, ce-source, ce-type and ce-specversion headers\n",
        response.bodyText());
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void greetWrittenInWatAnswersWithThePath(ExecutionMode mode) throws Exception {
    var greet = load(mode, Examples.GREET);

    var response = respond(greet, WagiRequest.builder().withUri("/some/where").build());

    assertEquals(200, response.status());
    assertEquals("Greetings from WAT! You asked for /some/where\n", response.bodyText());
    assertEquals(
        "Greetings from WAT! You asked for /some/where\n",
        new String(response.body(), StandardCharsets.UTF_8));
  }
}
