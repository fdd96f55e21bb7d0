package dev.skiff.eventing.spi;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One event as an HTTP POST: the trigger's path, the {@code ce-*} headers and {@code Content-Type},
 * the event's data.
 *
 * @param path the path on the service, e.g. {@code /} or {@code /events}
 * @param headers the request headers
 * @param body the event's data (empty for none)
 * @param timeout the time one attempt may take
 */
public record EventRequest(
    String path, List<Map.Entry<String, String>> headers, byte[] body, Duration timeout) {
  public EventRequest {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(timeout, "timeout");
  }
}
