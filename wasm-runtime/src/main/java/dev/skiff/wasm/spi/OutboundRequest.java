package dev.skiff.wasm.spi;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One outbound call made by a Wasm function.
 *
 * @param caller the calling function's name ({@code WasmConfig.name()})
 * @param method an HTTP method token, as the guest wrote it
 * @param url an absolute {@code http} or {@code https} URL with a host
 * @param headers the request's headers in the guest's order (names as written)
 * @param body the request body, possibly empty
 * @param timeout what is left of the calling request's timeout: the call must end within it
 * @param maxResponseBytes the largest response body the guest may receive
 */
public record OutboundRequest(
    String caller,
    String method,
    URI url,
    List<Map.Entry<String, String>> headers,
    byte[] body,
    Duration timeout,
    long maxResponseBytes) {
  public OutboundRequest {
    Objects.requireNonNull(caller, "caller");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(url, "url");
    headers = List.copyOf(headers);
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(timeout, "timeout");
  }
}
