package dev.skiff.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.validation.FieldError;
import java.util.ArrayList;
import java.util.List;

/**
 * What went wrong, in the shape of the control plane's error body: a sentence, the field problems,
 * and how to fix it.
 *
 * @param error what was wrong
 * @param details one entry per offending field; may be empty
 * @param hint how to fix it; may be null
 */
public record Problem(String error, List<FieldError> details, String hint) {
  private static final int MAX_RAW_BODY = 300;

  public Problem {
    details = details == null ? List.of() : List.copyOf(details);
  }

  public static Problem of(String error, String hint) {
    return new Problem(error, List.of(), hint);
  }

  /**
   * Reads an error answer. Bodies that are not the documented shape (a proxy's HTML page, an empty
   * body) still produce a readable problem naming the status.
   */
  public static Problem fromResponse(int status, String method, String path, String body) {
    JsonNode json = Decoder.tree(body);
    if (json != null && json.hasNonNull("error")) {
      List<FieldError> details = new ArrayList<>();
      for (JsonNode d : json.path("details")) {
        details.add(
            new FieldError(
                d.path("field").asText(null),
                d.path("message").asText(null),
                d.path("hint").asText(null)));
      }
      return new Problem(json.get("error").asText(), details, json.path("hint").asText(null));
    }
    String raw = body == null ? "" : body.strip();
    if (raw.length() > MAX_RAW_BODY) {
      raw = raw.substring(0, MAX_RAW_BODY) + "...";
    }
    String error =
        "HTTP " + status + " from " + method + " " + path + (raw.isEmpty() ? "" : ": " + raw);
    return Problem.of(error, "is --server pointing at a Skiff control plane?");
  }
}
