package dev.skiff.meshproxy;

import java.util.List;
import java.util.Map;

/**
 * The answer to an {@link OutboundCall}: the callee's, or the mesh's own when the call could not
 * reach it (404 no such service, 502 no instance answered, 503 no revision, 504 timeout), with a
 * JSON body saying what went wrong and how to fix it.
 *
 * @param status the HTTP status
 * @param headers the response headers, names in lower case
 * @param body the response body
 * @param revision the revision that answered, or null when the mesh did
 */
public record OutboundReply(
    int status, List<Map.Entry<String, String>> headers, byte[] body, String revision) {
  public OutboundReply {
    headers = List.copyOf(headers);
  }
}
