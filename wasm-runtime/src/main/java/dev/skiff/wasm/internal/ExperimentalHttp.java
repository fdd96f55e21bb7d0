package dev.skiff.wasm.internal;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.skiff.wasm.FunctionTimeoutException;
import dev.skiff.wasm.LogSink;
import dev.skiff.wasm.WasmConfig;
import dev.skiff.wasm.spi.OutboundDeniedException;
import dev.skiff.wasm.spi.OutboundRequest;
import dev.skiff.wasm.spi.OutboundResponse;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The {@code wasi_experimental_http} host module of one request (deislabs' ABI, as WAGI links it):
 * {@code req}, {@code close}, {@code header_get}, {@code headers_get_all} and {@code body_read},
 * each returning an {@link HttpError} code. Responses are held whole under handles that live as
 * long as the request. A call blocks only this request's Wasm worker thread, gives its CPU permit
 * back while it waits, and ends with the calling request's timeout.
 */
final class ExperimentalHttp {
  static final String MODULE = "wasi_experimental_http";

  /** Response handles open at once per request (the ABI's too_many_sessions beyond). */
  static final int MAX_OPEN_RESPONSES = 16;

  static final int MAX_URL_BYTES = 8 * 1024;
  static final int MAX_REQUEST_HEADER_BYTES = 64 * 1024;

  private static final Map<String, Integer> ARITY =
      Map.of("req", 10, "close", 1, "header_get", 6, "headers_get_all", 4, "body_read", 4);

  private final WasmConfig config;
  private final CpuSlot slot;
  private final long deadlineNanos;
  private final Map<Long, Held> open = new HashMap<>();
  private long nextHandle;

  private static final class Held {
    final OutboundResponse response;
    int position;

    Held(OutboundResponse response) {
      this.response = response;
    }
  }

  ExperimentalHttp(WasmConfig config, CpuSlot slot, long deadlineNanos) {
    this.config = config;
    this.slot = slot;
    this.deadlineNanos = deadlineNanos;
  }

  /** Whether this module provides {@code module.name}. */
  static boolean provides(String module, String name) {
    return MODULE.equals(module) && ARITY.containsKey(name);
  }

  HostFunction[] functions() {
    return new HostFunction[] {
      function("req", this::req),
      function("close", (m, a) -> close(a[0])),
      function("header_get", this::headerGet),
      function("headers_get_all", this::headersGetAll),
      function("body_read", this::bodyRead),
    };
  }

  private interface Call {
    void run(Instance instance, long[] args);
  }

  private HostFunction function(String name, Call call) {
    var i32 = Collections.nCopies(ARITY.get(name), ValType.I32);
    return new HostFunction(
        MODULE,
        name,
        FunctionType.of(i32, List.of(ValType.I32)),
        (instance, args) -> {
          try {
            call.run(instance, args);
            return new long[] {HttpError.SUCCESS.code()};
          } catch (HttpCallFailed e) {
            log(
                name
                    + " failed with "
                    + e.error.name().toLowerCase(Locale.ROOT)
                    + ": "
                    + e.getMessage());
            return new long[] {e.error.code()};
          }
        });
  }

  // req(url, url_len, method, method_len, headers, headers_len, body, body_len, *status, *handle)
  private void req(Instance instance, long[] a) {
    if (open.size() >= MAX_OPEN_RESPONSES) {
      throw new HttpCallFailed(
          HttpError.TOO_MANY_SESSIONS,
          MAX_OPEN_RESPONSES + " responses are open; close one before the next request");
    }
    GuestMemory memory = GuestMemory.of(instance);
    String url = memory.readUtf8(a[0], a[1], "the URL", MAX_URL_BYTES);
    URI uri = parseUrl(url);
    try {
      config.outbound().admit(uri);
    } catch (OutboundDeniedException e) {
      throw new HttpCallFailed(HttpError.DESTINATION_NOT_ALLOWED, e.getMessage());
    }
    String method = memory.readUtf8(a[2], a[3], "the method", 64);
    if (!HeaderText.isToken(method)) {
      throw new HttpCallFailed(
          HttpError.INVALID_METHOD, "method '" + method + "' is not an HTTP token");
    }
    if ((a[7] & 0xFFFF_FFFFL) > config.maxRequestBytes()) {
      throw new HttpCallFailed(
          HttpError.BUFFER_TOO_SMALL,
          "the request body of "
              + (a[7] & 0xFFFF_FFFFL)
              + " bytes is over the limit of "
              + config.maxRequestBytes());
    }
    byte[] body = memory.read(a[6], a[7], "the request body");
    var headers =
        HeaderText.parse(memory.readUtf8(a[4], a[5], "the headers", MAX_REQUEST_HEADER_BYTES));
    OutboundResponse response = send(method, uri, headers, body);
    memory.writeU16(a[8], response.status(), "the status code");
    long start = nextHandle;
    while (open.containsKey(nextHandle)) {
      nextHandle = (nextHandle + 1) & 0xFFFF_FFFFL;
      if (nextHandle == start) {
        throw new HttpCallFailed(HttpError.TOO_MANY_SESSIONS, "no response handle is free");
      }
    }
    long handle = nextHandle;
    open.put(handle, new Held(response));
    memory.writeU32(a[9], handle, "the response handle");
  }

  private static URI parseUrl(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new HttpCallFailed(
          HttpError.INVALID_URL, "'" + url + "' is not a URL: " + e.getReason());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new HttpCallFailed(
          HttpError.INVALID_URL, "'" + url + "' is not an absolute http:// or https:// URL");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new HttpCallFailed(HttpError.INVALID_URL, "'" + url + "' has no host");
    }
    return uri;
  }

  private OutboundResponse send(
      String method, URI uri, List<Map.Entry<String, String>> headers, byte[] body) {
    long left = deadlineNanos - System.nanoTime();
    if (left <= 0) {
      throw new HttpCallFailed(
          HttpError.REQUEST_ERROR, "the calling request's timeout is already over");
    }
    var request =
        new OutboundRequest(
            config.name(),
            method,
            uri,
            headers,
            body,
            Duration.ofNanos(left),
            config.maxResponseBytes());
    // No computing while waiting: the permit goes back, as for a WASI sleep. An interrupt (the
    // request timed out or was cancelled) ends the wait and unwinds the guest.
    slot.release();
    try {
      return config
          .outbound()
          .send(request)
          .toCompletionStage()
          .toCompletableFuture()
          .get(left, TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ChicoryInterruptedException("interrupted while waiting for an outbound call");
    } catch (TimeoutException e) {
      // The wait ran to the calling request's deadline: the request is over, so the guest unwinds
      // and the caller gets the runtime's 504, not whatever the guest would make of an error code
      // (it raced the runtime's own timer before).
      throw new FunctionTimeoutException(config.timeout());
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof OutboundDeniedException) {
        throw new HttpCallFailed(HttpError.DESTINATION_NOT_ALLOWED, cause.getMessage());
      }
      throw new HttpCallFailed(
          HttpError.REQUEST_ERROR, method + " " + uri + ": " + cause.getMessage());
    } finally {
      slot.acquire();
    }
  }

  private void close(long handle) {
    open.remove(handle & 0xFFFF_FFFFL);
  }

  // header_get(handle, name, name_len, value_buf, value_buf_len, *written)
  private void headerGet(Instance instance, long[] a) {
    Held held = held(a[0]);
    GuestMemory memory = GuestMemory.of(instance);
    String name =
        memory
            .readUtf8(a[1], a[2], "the header name", MAX_REQUEST_HEADER_BYTES)
            .toLowerCase(Locale.ROOT);
    String value = null;
    for (Map.Entry<String, String> h : held.response.headers()) {
      if (h.getKey().toLowerCase(Locale.ROOT).equals(name)) {
        value = h.getValue();
        break;
      }
    }
    if (value == null) {
      throw new HttpCallFailed(
          HttpError.HEADER_NOT_FOUND, "the response has no header '" + name + "'");
    }
    writeInto(
        memory, value.getBytes(StandardCharsets.UTF_8), a[3], a[4], a[5], "header '" + name + "'");
  }

  // headers_get_all(handle, buf, buf_len, *written)
  private void headersGetAll(Instance instance, long[] a) {
    Held held = held(a[0]);
    byte[] text = HeaderText.format(held.response.headers()).getBytes(StandardCharsets.UTF_8);
    writeInto(GuestMemory.of(instance), text, a[1], a[2], a[3], "the response headers");
  }

  private static void writeInto(
      GuestMemory memory, byte[] bytes, long buf, long bufLen, long writtenPtr, String what) {
    if (bytes.length > (bufLen & 0xFFFF_FFFFL)) {
      throw new HttpCallFailed(
          HttpError.BUFFER_TOO_SMALL,
          what + " needs " + bytes.length + " bytes, the buffer has " + (bufLen & 0xFFFF_FFFFL));
    }
    memory.write(buf, bytes, "the buffer");
    memory.writeU32(writtenPtr, bytes.length, "the written count");
  }

  // body_read(handle, buf, buf_len, *written): the next bytes of the body; 0 written at its end.
  private void bodyRead(Instance instance, long[] a) {
    Held held = held(a[0]);
    GuestMemory memory = GuestMemory.of(instance);
    byte[] body = held.response.body();
    int n = (int) Math.min(a[2] & 0xFFFF_FFFFL, body.length - held.position);
    byte[] chunk = java.util.Arrays.copyOfRange(body, held.position, held.position + n);
    memory.write(a[1], chunk, "the body buffer");
    held.position += n;
    memory.writeU32(a[3], n, "the read count");
  }

  private Held held(long handle) {
    Held held = open.get(handle & 0xFFFF_FFFFL);
    if (held == null) {
      throw new HttpCallFailed(
          HttpError.INVALID_HANDLE, "no open response has handle " + (handle & 0xFFFF_FFFFL));
    }
    return held;
  }

  private void log(String line) {
    config.logSink().log(config.name(), LogSink.Source.HOST, "wasi_experimental_http: " + line);
  }
}
