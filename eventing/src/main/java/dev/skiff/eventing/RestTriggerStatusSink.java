package dev.skiff.eventing;

import dev.skiff.api.client.StatusWriter;
import dev.skiff.api.model.TriggerStatus;
import dev.skiff.eventing.spi.TriggerStatusSink;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import java.util.function.IntSupplier;

/**
 * Writes trigger status to the control plane's REST API ({@code PUT
 * /v1/namespaces/{ns}/triggers/{name}/status}) with the credential of Skiff's components, the same
 * way whether the dispatcher runs inside {@code skiffd} or in a process of its own. A trigger
 * deleted meanwhile answers 404, which is not an error here.
 */
public final class RestTriggerStatusSink implements TriggerStatusSink {
  private final StatusWriter writer;

  public RestTriggerStatusSink(
      Vertx vertx, HttpClientOptions options, String host, IntSupplier port, String token) {
    this.writer = new StatusWriter(vertx, options, host, port, token);
  }

  @Override
  public Future<Void> report(String namespace, String trigger, TriggerStatus status) {
    return writer.put(
        "/v1/namespaces/" + namespace + "/triggers/" + trigger + "/status",
        status,
        true,
        EventingException::new);
  }
}
