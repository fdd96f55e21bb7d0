package dev.skiff.node.wasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.proxy.InProcessWorkload;
import dev.skiff.proxy.WholeBodyRequest;
import dev.skiff.wasm.CompileStats;
import dev.skiff.wasm.WagiRequest;
import dev.skiff.wasm.WagiResponse;
import dev.skiff.wasm.WasmConfig;
import dev.skiff.wasm.WasmFunction;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The bridge with a request handed over in process, its body whole in memory ({@link
 * WholeBodyRequest}): the function gets the caller's bytes and headers at once, without waiting for
 * the body through handlers. The request and response are in-memory stand-ins that refuse anything
 * the bridge should not need.
 */
class WagiBridgeTest {
  private final List<WagiRequest> calls = new ArrayList<>();
  private final WasmFunction function = new Recording(calls, 16);
  private final Answer answer = new Answer();

  @Test
  void aWholeBodyRequestReachesTheFunctionAtOnceWithItsBytesAndHeaders() {
    MultiMap headers =
        MultiMap.caseInsensitiveMultiMap()
            .add("Host", "event.default.localhost")
            .add("ce-id", "partition:0/offset:7")
            .add("X-Tag", "one")
            .add("x-tag", "two")
            .add("Skiff-Client-Address", "203.0.113.9");
    byte[] body = "{\"n\":1}".getBytes(StandardCharsets.UTF_8);

    new WagiBridge(function, "event-1").handle(request(headers, body));

    // No resume(), no handler fired: the stand-in never delivers a body through handlers.
    assertEquals(1, calls.size(), "the function was called within handle()");
    WagiRequest got = calls.get(0);
    assertArrayEquals(body, got.body());
    assertEquals("POST", got.method());
    assertEquals("/events", got.path());
    assertEquals("a=1", got.query());
    assertEquals("partition:0/offset:7", got.header("ce-id").orElseThrow());
    assertEquals(List.of("one"), got.headers().get("X-Tag"));
    assertEquals(List.of("two"), got.headers().get("x-tag"));
    assertFalse(got.headers().containsKey("Skiff-Client-Address"), "REMOTE_ADDR carries it");
    assertEquals("203.0.113.9", got.remoteAddr());
    assertEquals("event.default.localhost", got.serverName());
    assertEquals(202, answer.status);
    assertEquals("ok", answer.body);
  }

  @Test
  void aWholeBodyOverTheFunctionsLimitIs413AndNeverRunsIt() {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Host", "event.default");

    new WagiBridge(function, "event-1").handle(request(headers, new byte[17]));

    assertTrue(calls.isEmpty());
    assertEquals(413, answer.status);
  }

  @Test
  void theTypedEntryBuildsTheSameCgiRequestAsTheHttpEntryAndAnswersAsValues() {
    MultiMap headers =
        MultiMap.caseInsensitiveMultiMap()
            .add("Host", "event.default.localhost")
            .add("ce-id", "partition:0/offset:7")
            .add("X-Tag", "one")
            .add("x-tag", "two")
            .add("Skiff-Client-Address", "203.0.113.9");
    byte[] body = "{\"n\":1}".getBytes(StandardCharsets.UTF_8);
    new WagiBridge(function, "event-1").handle(request(headers, body));
    List<Map.Entry<String, String>> list = new ArrayList<>();
    for (Map.Entry<String, String> h : headers) {
      list.add(h);
    }

    InProcessWorkload.Answer typed =
        new WagiBridge(function, "event-2")
            .serve(
                new InProcessWorkload.Call("POST", "/events", "a=1", list, body),
                Promise.<Void>promise().future())
            .result();

    assertEquals(2, calls.size());
    WagiRequest http = calls.get(0);
    WagiRequest whole = calls.get(1);
    assertEquals(http, whole);
    assertEquals(http.toString(), whole.toString());
    assertEquals(202, typed.status());
    assertEquals(List.of(Map.entry("content-type", "text/plain")), typed.headers());
    assertEquals("ok", new String(typed.body(), StandardCharsets.UTF_8));
  }

  @Test
  void aTypedCallOverTheFunctionsLimitIs413AndNeverRunsIt() {
    InProcessWorkload.Answer typed =
        new WagiBridge(function, "event-1")
            .serve(
                new InProcessWorkload.Call(
                    "POST", "/", "", List.of(Map.entry("Host", "event.default")), new byte[17]),
                Promise.<Void>promise().future())
            .result();

    assertTrue(calls.isEmpty());
    assertEquals(413, typed.status());
  }

  private HttpServerRequest request(MultiMap headers, byte[] body) {
    HttpServerResponse response = answer.response();
    boolean[] taken = {false};
    return (HttpServerRequest)
        Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {HttpServerRequest.class, WholeBodyRequest.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "takeBody" -> {
                    if (taken[0]) {
                      yield null;
                    }
                    taken[0] = true;
                    yield body;
                  }
                  case "response" -> response;
                  case "headers" -> headers;
                  case "getHeader" -> headers.get((String) args[0]);
                  case "method" -> HttpMethod.POST;
                  case "path" -> "/events";
                  case "query" -> "a=1";
                  case "uri" -> "/events?a=1";
                  case "scheme" -> "http";
                  case "version" -> HttpVersion.HTTP_1_1;
                  case "remoteAddress" -> null;
                  case "handler", "endHandler", "pause", "resume" -> proxy;
                  default -> throw new UnsupportedOperationException(method.getName());
                });
  }

  /** What the bridge answered. */
  private static final class Answer {
    int status = 200;
    String body;
    boolean ended;

    HttpServerResponse response() {
      return (HttpServerResponse)
          Proxy.newProxyInstance(
              getClass().getClassLoader(),
              new Class<?>[] {HttpServerResponse.class},
              (proxy, method, args) ->
                  switch (method.getName()) {
                    case "exceptionHandler", "putHeader" -> proxy;
                    case "ended" -> ended;
                    case "closed" -> false;
                    case "setStatusCode" -> {
                      status = (Integer) args[0];
                      yield proxy;
                    }
                    case "end" -> {
                      body = ((Buffer) args[0]).toString(StandardCharsets.UTF_8);
                      ended = true;
                      yield Future.succeededFuture();
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                  });
    }
  }

  /** A function that records each request and answers 202 "ok" at once. */
  private record Recording(List<WagiRequest> calls, long maxRequestBytes) implements WasmFunction {
    @Override
    public String name() {
      return "event";
    }

    @Override
    public WasmConfig config() {
      return WasmConfig.builder().withName("event").withMaxRequestBytes(maxRequestBytes).build();
    }

    @Override
    public CompileStats compileStats() {
      throw new UnsupportedOperationException();
    }

    @Override
    public int inFlight() {
      return 0;
    }

    @Override
    public Future<WagiResponse> handle(WagiRequest request) {
      return handle(request, Future.succeededFuture());
    }

    @Override
    public Future<WagiResponse> handle(WagiRequest request, Future<?> gone) {
      calls.add(request);
      return Future.succeededFuture(
          new WagiResponse(
              202,
              Map.of("Content-Type", List.of("text/plain")),
              "ok".getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public void close() {}
  }
}
