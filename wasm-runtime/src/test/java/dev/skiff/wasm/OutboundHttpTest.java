package dev.skiff.wasm;

import static dev.skiff.wasm.Calls.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.wasm.spi.OutboundDeniedException;
import dev.skiff.wasm.spi.OutboundHttp;
import dev.skiff.wasm.spi.OutboundRequest;
import dev.skiff.wasm.spi.OutboundResponse;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The wasi_experimental_http host module against deislabs' ABI: calls, error codes, limits. The
 * destination side is a fake here; the mesh carries real calls in server's tests.
 */
class OutboundHttpTest {
  private static final String URL = "http://callee.default/ping?x=1";
  private static WasmRuntime interpreter;
  private static WasmRuntime compiler;

  @BeforeAll
  static void start() {
    interpreter = WasmRuntime.builder().withMode(ExecutionMode.INTERPRETED).withThreads(2).build();
    compiler = WasmRuntime.builder().withMode(ExecutionMode.COMPILED).withThreads(2).build();
  }

  @AfterAll
  static void stop() {
    interpreter.close();
    compiler.close();
  }

  /** Answers every call with 201, two headers and "pong"; remembers what it was asked. */
  private static final class Recording implements OutboundHttp {
    final List<OutboundRequest> seen = new CopyOnWriteArrayList<>();
    final List<Boolean> onEventLoop = new CopyOnWriteArrayList<>();

    @Override
    public Future<OutboundResponse> send(OutboundRequest request) {
      seen.add(request);
      onEventLoop.add(Context.isOnEventLoopThread());
      return Future.succeededFuture(
          new OutboundResponse(
              201,
              List.of(Map.entry("content-type", "text/plain"), Map.entry("x-a", "1")),
              "pong".getBytes(StandardCharsets.UTF_8)));
    }
  }

  private static OutboundResults call(
      ExecutionMode mode, OutboundHttp outbound, byte[] module, List<String> log) {
    WasmRuntime runtime = mode == ExecutionMode.INTERPRETED ? interpreter : compiler;
    var function =
        runtime.load(
            module,
            WasmConfig.builder()
                .withName("caller")
                .withOutbound(outbound)
                .withLogSink((name, source, line) -> log.add(line))
                .build());
    WagiResponse response = get(function, "/");
    assertEquals(200, response.status(), new String(response.body(), StandardCharsets.UTF_8));
    return new OutboundResults(response.body());
  }

  private static byte[] caller(String url, String method, String headers) {
    return Wat.outboundCaller(
        url, method, headers, "hello".getBytes(StandardCharsets.UTF_8), 1, 1000);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void callsOutAndReadsStatusHeadersAndBodyThroughTheHandle(ExecutionMode mode) {
    var outbound = new Recording();
    var log = new CopyOnWriteArrayList<String>();

    OutboundResults r =
        call(mode, outbound, caller(URL, "POST", "Content-Type:text/plain\nX-Trace: 7\n"), log);

    assertEquals(0, r.reqError());
    assertEquals(201, r.status());
    assertEquals(0, r.bodyReadError());
    assertEquals("pong", r.body());
    assertEquals(0, r.headersError());
    assertEquals("content-type:text/plain\nx-a:1\n", r.headers());
    assertEquals(0, r.headerGetError());
    assertEquals("text/plain", r.contentType());
    assertEquals(0, r.closeError());
    assertEquals(1, r.bodyReadAfterCloseError(), "invalid_handle after close");
    OutboundRequest sent = outbound.seen.get(0);
    assertEquals("POST", sent.method());
    assertEquals(URI.create(URL), sent.url());
    assertEquals(
        List.of(Map.entry("Content-Type", "text/plain"), Map.entry("X-Trace", "7")),
        sent.headers());
    assertEquals("hello", new String(sent.body(), StandardCharsets.UTF_8));
    assertEquals("caller", sent.caller());
    assertFalse(outbound.onEventLoop.get(0), "the call waits on the Wasm worker thread");
    assertTrue(sent.timeout().compareTo(WasmConfig.DEFAULT_TIMEOUT) <= 0);
  }

  @Test
  void deniesEveryDestinationByDefaultWithDestinationNotAllowed() {
    var log = new CopyOnWriteArrayList<String>();
    var function =
        interpreter.load(
            caller(URL, "GET", ""),
            WasmConfig.builder().withLogSink((n, s, line) -> log.add(line)).build());

    var r = new OutboundResults(get(function, "/").body());

    assertEquals(7, r.reqError());
    assertTrue(
        log.stream().anyMatch(l -> l.contains("destination_not_allowed") && l.contains("callee")),
        log.toString());
  }

  @Test
  void aDestinationTheImplementationRefusesIsDestinationNotAllowed() {
    OutboundHttp refusing =
        request ->
            Future.failedFuture(
                new OutboundDeniedException("callee.default", "not in allowedHosts"));
    assertEquals(
        7, call(ExecutionMode.INTERPRETED, refusing, caller(URL, "GET", ""), log()).reqError());
  }

  @Test
  void malformedCallsGetTheAbisCodes() {
    var outbound = new Recording();
    assertEquals(
        10,
        call(ExecutionMode.INTERPRETED, outbound, caller("callee.default/x", "GET", ""), log())
            .reqError(),
        "invalid_url without a scheme");
    assertEquals(
        10,
        call(ExecutionMode.INTERPRETED, outbound, caller("ftp://h/x", "GET", ""), log()).reqError(),
        "invalid_url for another scheme");
    assertEquals(
        8,
        call(ExecutionMode.INTERPRETED, outbound, caller(URL, "GE T", ""), log()).reqError(),
        "invalid_method");
    assertEquals(
        9,
        call(ExecutionMode.INTERPRETED, outbound, caller(URL, "GET", "no colon\n"), log())
            .reqError(),
        "invalid_encoding");
    assertTrue(outbound.seen.isEmpty(), "nothing malformed is sent");
  }

  @Test
  void aFailedCallIsRequestError() {
    OutboundHttp failing =
        request -> Future.failedFuture(new IllegalStateException("connection refused"));
    var log = log();
    assertEquals(
        11, call(ExecutionMode.INTERPRETED, failing, caller(URL, "GET", ""), log).reqError());
    assertTrue(log.stream().anyMatch(l -> l.contains("connection refused")), log.toString());
  }

  @Test
  void aHeaderBufferTooSmallIsBufferTooSmall() {
    var r =
        call(
            ExecutionMode.INTERPRETED,
            new Recording(),
            Wat.outboundCaller(URL, "GET", "", new byte[0], 1, 5),
            log());
    assertEquals(0, r.reqError());
    assertEquals(4, r.headersError());
  }

  @Test
  void openResponsesAreLimitedPerRequest() {
    var outbound = new Recording();
    var r =
        call(
            ExecutionMode.INTERPRETED,
            outbound,
            Wat.outboundCaller(URL, "GET", "", new byte[0], 17, 1000),
            log());
    assertEquals(13, r.reqError(), "too_many_sessions");
    assertEquals(16, outbound.seen.size());
  }

  @Test
  void aCallThatNeverAnswersEndsWithTheCallingRequestsTimeout() {
    Promise<OutboundResponse> never = Promise.promise();
    OutboundHttp hanging = request -> never.future();
    var function =
        interpreter.load(
            caller(URL, "GET", ""),
            WasmConfig.builder().withOutbound(hanging).withTimeout(Duration.ofMillis(300)).build());

    assertEquals(504, get(function, "/").status());
  }

  private static List<String> log() {
    return new CopyOnWriteArrayList<>();
  }
}
