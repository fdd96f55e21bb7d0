package dev.skiff.api.client;

import dev.skiff.api.manifest.Json;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.function.Function;
import java.util.function.IntSupplier;

/**
 * Writes a resource's status to the control plane's REST API ({@code PUT .../status}) with the
 * credential of Skiff's components, the only one that may write status: what the node agent's and
 * the event dispatcher's status reporters share, whether they run inside {@code skiffd} or in a
 * process of their own.
 */
public final class StatusWriter {
  private final HttpClient client;
  private final String host;
  private final IntSupplier port;
  private final String token;

  /**
   * {@code port} is asked at each write, so the API may bind port 0 after this is built. {@code
   * options} carry TLS settings when the API is served over HTTPS.
   */
  public StatusWriter(
      Vertx vertx, HttpClientOptions options, String host, IntSupplier port, String token) {
    this.client = vertx.createHttpClient(new HttpClientOptions(options).setKeepAlive(true));
    this.host = host;
    this.port = port;
    this.token = token;
  }

  /**
   * PUTs {@code status} as JSON to {@code uri}. A 2xx answer succeeds, and so does a 404 when
   * {@code notFoundIsFine} (the resource was deleted meanwhile); any other answer fails with the
   * exception {@code failure} makes of a message naming the status, the URI and the answer's body.
   */
  public Future<Void> put(
      String uri,
      Object status,
      boolean notFoundIsFine,
      Function<String, ? extends RuntimeException> failure) {
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
                        body -> {
                          int code = resp.statusCode();
                          if (code / 100 == 2 || (notFoundIsFine && code == 404)) {
                            return Future.<Void>succeededFuture();
                          }
                          return Future.<Void>failedFuture(
                              failure.apply(
                                  "control plane answered " + code + " to " + uri + ": " + body));
                        }));
  }
}
