package dev.skiff.node;

import dev.skiff.api.client.StatusWriter;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.node.spi.StatusReporter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import java.util.function.IntSupplier;

/**
 * Reports revision status to the control plane's REST API ({@code PUT
 * /v1/namespaces/{ns}/revisions/{name}/status}), the same way whether the agent runs inside {@code
 * skiffd} or on another machine. Any answer but a 2xx is an error.
 */
public final class RestStatusReporter implements StatusReporter {
  private final StatusWriter writer;

  /**
   * {@code port} is asked at each report, so the API may bind port 0 after this is built. {@code
   * options} carry TLS settings when the API is served over HTTPS; {@code token} is the credential
   * of Skiff's components, the only one that may write status.
   */
  public RestStatusReporter(
      Vertx vertx, HttpClientOptions options, String host, IntSupplier port, String token) {
    this.writer = new StatusWriter(vertx, options, host, port, token);
  }

  @Override
  public Future<Void> report(String namespace, String revision, RevisionStatus status) {
    return writer.put(
        "/v1/namespaces/" + namespace + "/revisions/" + revision + "/status",
        status,
        false,
        NodeException::new);
  }
}
