package dev.skiff.bench;

import dev.skiff.wasm.WagiRequest;
import dev.skiff.wasm.WagiResponse;
import dev.skiff.wasm.WasmFunction;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Runs one request to completion as a caller outside Vert.x would; anything but a 200 fails. */
final class Requests {
  private Requests() {}

  static WagiResponse run(WasmFunction function, WagiRequest request) {
    try {
      WagiResponse response =
          function
              .handle(request)
              .toCompletionStage()
              .toCompletableFuture()
              .get(10, TimeUnit.MINUTES);
      if (response.status() != 200) {
        throw new IllegalStateException(
            function.name() + " answered " + response.status() + ": " + response.bodyText());
      }
      return response;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException(function.name() + " failed: " + e, e);
    }
  }
}
