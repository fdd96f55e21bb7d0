package dev.skiff.controlplane.internal.http;

import java.nio.file.Path;

/**
 * A successful answer: a status and a body, which is a JSON-able object, or a {@link Path} whose
 * file is sent as is with {@code contentType}, or text sent as is (see {@link #text}).
 */
record Reply(int status, Object body, String contentType) {
  static Reply ok(Object body) {
    return new Reply(200, body, "application/json");
  }

  static Reply created(Object body) {
    return new Reply(201, body, "application/json");
  }

  /** A text body sent as is, e.g. PEM. */
  static Reply text(String body, String contentType) {
    return new Reply(200, body, contentType);
  }

  static Reply file(Path file, String contentType) {
    return new Reply(200, file, contentType);
  }
}
