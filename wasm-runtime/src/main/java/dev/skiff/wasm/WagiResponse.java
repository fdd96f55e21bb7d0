package dev.skiff.wasm;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The HTTP response a function produced, or the one that stands for its failure.
 *
 * @param status HTTP status code
 * @param headers response headers in the order the function wrote them, names as written
 * @param body the response body
 */
public record WagiResponse(int status, Map<String, List<String>> headers, byte[] body) {

  public WagiResponse {
    var copy = new LinkedHashMap<String, List<String>>();
    headers.forEach((name, values) -> copy.put(name, List.copyOf(values)));
    headers = Collections.unmodifiableMap(copy);
  }

  /** The first value of a header, matched case-insensitively. */
  public Optional<String> header(String name) {
    return headers.entrySet().stream()
        .filter(entry -> entry.getKey().equalsIgnoreCase(name) && !entry.getValue().isEmpty())
        .map(entry -> entry.getValue().get(0))
        .findFirst();
  }

  /** The body decoded as UTF-8. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /**
   * The response that stands for a failed {@link WasmFunction#handle}: the status from {@link
   * #statusOf(Throwable)} and a plain-text body saying what went wrong.
   */
  public static WagiResponse ofFailure(Throwable failure) {
    String reason = failure instanceof WasmException ? failure.getMessage() : "internal error";
    return new WagiResponse(
        statusOf(failure),
        Map.of("Content-Type", List.of("text/plain; charset=utf-8")),
        (reason + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** The one mapping from failure outcomes to HTTP status codes. */
  public static int statusOf(Throwable failure) {
    if (failure instanceof RequestTooLargeException) {
      return 413;
    } else if (failure instanceof MalformedResponseException
        || failure instanceof ResponseTooLargeException) {
      return 502; // the function is the upstream and it answered badly
    } else if (failure instanceof OverloadedException
        || failure instanceof FunctionCancelledException) {
      return 503;
    } else if (failure instanceof FunctionTimeoutException) {
      return 504;
    } else {
      return 500; // traps, non-zero exits, invalid modules, anything unexpected
    }
  }
}
