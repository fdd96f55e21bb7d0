package dev.skiff.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A control-plane answer both ways: {@code value} for the CLI's logic and tables, {@code json}
 * exactly as the server sent it, for {@code -o json|yaml}.
 *
 * @param status the HTTP status, e.g. 201 when a PUT created the resource
 * @param value the decoded answer
 * @param json the answer as sent
 */
public record Reply<T>(int status, T value, JsonNode json) {
  public boolean created() {
    return status == 201;
  }
}
