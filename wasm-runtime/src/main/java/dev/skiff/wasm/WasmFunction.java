package dev.skiff.wasm;

import io.vertx.core.Future;

/**
 * A loaded module with its configuration: one revision of a Wasm function. Each {@link #handle}
 * call runs {@code _start} in a fresh instance with fresh memory. Thread-safe.
 */
public interface WasmFunction {

  /** The name from {@link WasmConfig#name()}. */
  String name();

  /** The configuration the function was loaded with. */
  WasmConfig config();

  /** What loading the module cost and whether its compiled code came from the cache. */
  CompileStats compileStats();

  /** Requests admitted and not yet finished (queued or running). */
  int inFlight();

  /**
   * Runs the function for one request on the runtime's Wasm pool; never on the calling thread.
   *
   * <p>The future succeeds with the function's response, whatever its status. It fails with a
   * {@link WasmException} subclass when the function could not answer: {@link
   * RequestTooLargeException}, {@link OverloadedException} (concurrency limit reached or queue
   * full; requests are refused, not queued per function), {@link FunctionTrapException}, {@link
   * FunctionExitException}, {@link FunctionTimeoutException}, {@link MalformedResponseException},
   * {@link ResponseTooLargeException}. {@link WagiResponse#ofFailure(Throwable)} turns any of them
   * into the HTTP answer.
   *
   * <p>Called on a Vert.x context, the future completes on that context; otherwise it completes on
   * a pool or timer thread.
   */
  Future<WagiResponse> handle(WagiRequest request);

  /**
   * {@link #handle(WagiRequest)} for a request that may go away: when {@code gone} completes (the
   * client disconnected, the stream was reset), the guest is stopped and the future fails with
   * {@link FunctionCancelledException}.
   */
  Future<WagiResponse> handle(WagiRequest request, Future<?> gone);

  /**
   * Stops the function: new requests are refused as overloaded and the guests of requests in flight
   * are stopped, their futures failing with {@link FunctionCancelledException}.
   */
  void close();
}
