package dev.skiff.eventing.spi;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The answer to one event.
 *
 * @param status the HTTP status
 * @param headers the response headers (names in any case)
 * @param body the response body, at most what the sink reads (1 MiB)
 */
public record EventReply(int status, List<Map.Entry<String, String>> headers, byte[] body) {
  public EventReply {
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(body, "body");
  }

  /** The first value of header {@code name} (any case), or null. */
  public String header(String name) {
    for (Map.Entry<String, String> h : headers) {
      if (h.getKey().equalsIgnoreCase(name)) {
        return h.getValue();
      }
    }
    return null;
  }
}
