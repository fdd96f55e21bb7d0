package dev.skiff.node;

import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.node.spi.StatusReporter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.function.IntSupplier;

/**
 * Reports revision status to the control plane's REST API ({@code PUT
 * /v1/namespaces/{ns}/revisions/{name}/status}), the same way whether the agent runs inside {@code
 * skiffd} or on another machine.
 */
public final class RestStatusReporter implements StatusReporter {
  private final HttpClient client;
  private final String host;
  private final IntSupplier port;
  private final String token;

  /**
   * {@code port} is asked at each report, so the API may bind port 0 after this is built. {@code
   * options} carry TLS settings when the API is served over HTTPS; {@code token} is the credential
   * of Skiff's components, the only one that may write status.
   */
  public RestStatusReporter(
      Vertx vertx, HttpClientOptions options, String host, IntSupplier port, String token) {
    this.client = vertx.createHttpClient(new HttpClientOptions(options).setKeepAlive(true));
    this.host = host;
    this.port = port;
    this.token = token;
  }

  @Override
  public Future<Void> report(String namespace, String revision, RevisionStatus status) {
    String uri = "/v1/namespaces/" + namespace + "/revisions/" + revision + "/status";
    RequestOptions req =
        new RequestOptions()
            .setMethod(HttpMethod.PUT)
            .setHost(host)
            .setPort(port.getAsInt())
            .setURI(uri)
            .putHeader("Content-Type", "application/json")
            .putHeader("Authorization", "Bearer " + token);
    return client
        .request(req)
        .compose(r -> r.send(Buffer.buffer(Json.write(status))))
        .compose(
            resp ->
                resp.body()
                    .compose(
                        body ->
                            resp.statusCode() / 100 == 2
                                ? Future.<Void>succeededFuture()
                                : Future.<Void>failedFuture(
                                    new NodeException(
                                        "control plane answered "
                                            + resp.statusCode()
                                            + " to "
                                            + uri
                                            + ": "
                                            + body))));
  }
}
