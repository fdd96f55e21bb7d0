package dev.skiff.controlplane.internal.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.manifest.Manifests;
import dev.skiff.controlplane.BadRequestException;
import dev.skiff.controlplane.PayloadTooLargeException;
import dev.skiff.controlplane.internal.auth.MediaTypes;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;

/**
 * Reads request bodies up to a limit. A declared Content-Length over the limit is refused before a
 * byte of the body is read; a chunked body is refused as soon as it passes the limit.
 */
final class Bodies {
  /** The limit for resource manifests. */
  static final long RESOURCE_LIMIT = 1L << 20;

  private Bodies() {}

  /** Must be called before the route handler returns, while the request has not yet ended. */
  static Future<Buffer> read(HttpServerRequest req, long limit, String hint) {
    String declared = req.getHeader("Content-Length");
    if (declared != null) {
      try {
        if (Long.parseLong(declared.trim()) > limit) {
          return Future.failedFuture(new PayloadTooLargeException(limit, hint));
        }
      } catch (NumberFormatException e) {
        // Netty rejects malformed lengths before we get here; fall through to counting.
      }
    }
    Promise<Buffer> body = Promise.promise();
    Buffer acc = Buffer.buffer();
    req.handler(
        chunk -> {
          if (body.future().isComplete()) {
            return;
          }
          if (acc.length() + (long) chunk.length() > limit) {
            body.tryFail(new PayloadTooLargeException(limit, hint));
          } else {
            acc.appendBuffer(chunk);
          }
        });
    req.exceptionHandler(body::tryFail);
    req.endHandler(v -> body.tryComplete(acc));
    if (MediaTypes.isYaml(req.getHeader("Content-Type"))) {
      return body.future().map(Bodies::yamlToJson);
    }
    return body.future();
  }

  /** A YAML body becomes the JSON every route parses; its syntax errors are 400s. */
  private static Buffer yamlToJson(Buffer yaml) {
    try {
      JsonNode tree = Json.yaml().readTree(yaml.getBytes());
      return Buffer.buffer(Json.mapper().writeValueAsBytes(tree));
    } catch (JsonProcessingException e) {
      String dup = Manifests.duplicateKey(e.getOriginalMessage());
      if (dup != null) {
        throw BadRequestException.of(
            dup, "is given twice", "remove one of the two '" + dup + "' keys; keys must be unique");
      }
      throw BadRequestException.of(
          "(body)", "malformed YAML: " + e.getOriginalMessage(), "fix the syntax");
    } catch (java.io.IOException e) {
      throw BadRequestException.of("(body)", "cannot read: " + e.getMessage(), null);
    }
  }
}
