package dev.skiff.wasm.spi;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The answer to an outbound call, whole: the guest reads it through its response handle.
 *
 * @param status the HTTP status code
 * @param headers the response headers in arrival order, names in lower case
 * @param body the response body
 */
public record OutboundResponse(int status, List<Map.Entry<String, String>> headers, byte[] body) {
  public OutboundResponse {
    if (status < 100 || status > 999) {
      throw new IllegalArgumentException("status must be 100-999, got " + status);
    }
    headers = List.copyOf(headers);
    Objects.requireNonNull(body, "body");
  }
}
