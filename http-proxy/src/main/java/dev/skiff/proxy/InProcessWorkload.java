package dev.skiff.proxy;

import io.vertx.core.Future;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A workload served in this process that can also take a request whole, as plain values, instead of
 * as an {@code HttpServerRequest}: a caller in the same JVM with the request's bytes in memory (the
 * mesh's outbound side delivering an event to a Wasm instance) hands over its method, target,
 * headers and body and gets back the status, headers and body, with no request or response object
 * and no header map built in between. Its answers are the ones the HTTP entry gives for the same
 * request. Call on an event loop; the answer completes on that event loop's context.
 */
public interface InProcessWorkload {
  /**
   * Serves {@code request}; when {@code gone} completes first (the caller gave up, a deadline
   * passed) the workload stops and the answer fails. Failures of the workload itself are answered
   * (a status and a body), never a failed future.
   */
  Future<Answer> serve(Call request, Future<Void> gone);

  /**
   * One request. {@code path} and {@code query} (empty for none) come from the request target;
   * {@code headers} are the request's as sent (names in any case, {@code Host} among them), not
   * copied: the workload only reads them. {@code body} is whole and not copied either.
   */
  record Call(
      String method,
      String path,
      String query,
      List<Map.Entry<String, String>> headers,
      byte[] body) {
    public Call {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(query, "query");
      Objects.requireNonNull(headers, "headers");
      Objects.requireNonNull(body, "body");
    }

    /** The first value of the header {@code name} (any case); null for none. */
    public String header(String name) {
      for (Map.Entry<String, String> h : headers) {
        if (h.getKey().equalsIgnoreCase(name)) {
          return h.getValue();
        }
      }
      return null;
    }
  }

  /** The answer: its status, its headers (names lower-case) and its whole body. */
  record Answer(int status, List<Map.Entry<String, String>> headers, byte[] body) {
    public Answer {
      Objects.requireNonNull(headers, "headers");
      Objects.requireNonNull(body, "body");
    }
  }
}
