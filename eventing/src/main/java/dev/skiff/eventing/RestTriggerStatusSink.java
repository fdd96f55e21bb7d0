package dev.skiff.eventing;

import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.TriggerStatus;
import dev.skiff.eventing.spi.TriggerStatusSink;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.function.IntSupplier;

/**
 * Writes trigger status to the control plane's REST API ({@code PUT
 * /v1/namespaces/{ns}/triggers/{name}/status}) with the credential of Skiff's components, the same
 * way whether the dispatcher runs inside {@code skiffd} or in a process of its own. A trigger
 * deleted meanwhile answers 404, which is not an error here.
 */
public final class RestTriggerStatusSink implements TriggerStatusSink {
  private final HttpClient client;
  private final String host;
  private final IntSupplier port;
  private final String token;

  public RestTriggerStatusSink(
      Vertx vertx, HttpClientOptions options, String host, IntSupplier port, String token) {
    this.client = vertx.createHttpClient(new HttpClientOptions(options).setKeepAlive(true));
    this.host = host;
    this.port = port;
    this.token = token;
  }

  @Override
  public Future<Void> report(String namespace, String trigger, TriggerStatus status) {
    String uri = "/v1/namespaces/" + namespace + "/triggers/" + trigger + "/status";
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
                            resp.statusCode() / 100 == 2 || resp.statusCode() == 404
                                ? Future.<Void>succeededFuture()
                                : Future.<Void>failedFuture(
                                    new EventingException(
                                        "control plane answered "
                                            + resp.statusCode()
                                            + " to "
                                            + uri
                                            + ": "
                                            + body))));
  }
}
