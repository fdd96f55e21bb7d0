package dev.skiff.meshproxy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One call from a workload to a service of the mesh, whole (the body in memory).
 *
 * @param method the HTTP method
 * @param url {@code http://{service}.{namespace}/...}, {@code http://{tag}-{service}.{namespace}/}
 *     or the same with the platform's domain appended
 * @param headers the caller's headers; hop-by-hop and Skiff's own headers are dropped
 * @param body the request body
 * @param timeout the time the call may take, all attempts together (504 after)
 * @param maxResponseBytes the largest response body accepted
 */
public record OutboundCall(
    String method,
    URI url,
    List<Map.Entry<String, String>> headers,
    byte[] body,
    Duration timeout,
    long maxResponseBytes) {
  public OutboundCall {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(url, "url");
    headers = List.copyOf(headers);
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(timeout, "timeout");
  }
}
