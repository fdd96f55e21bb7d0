package dev.skiff.eventing.internal;

import dev.skiff.eventing.EventingException;
import dev.skiff.eventing.spi.EventReply;
import dev.skiff.eventing.spi.EventRequest;
import dev.skiff.eventing.spi.EventSink;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;

/**
 * Posts events to the gateway in plain HTTP with Host {@code {service}.{namespace}.{domain}}, so
 * they take the path of any request (the activator holds them while the service is at zero). The
 * dispatcher's sink when skiffd runs without the mesh.
 */
public final class GatewaySink implements EventSink {
  private final Vertx vertx;
  private final HttpClient http;
  private final String host;
  private final IntSupplier port;
  private final String domain;

  /**
   * @param http the client (its pool bounds the connections to the gateway)
   * @param port asked at each delivery (the gateway may bind port 0)
   */
  public GatewaySink(Vertx vertx, HttpClient http, String host, IntSupplier port, String domain) {
    this.vertx = vertx;
    this.http = http;
    this.host = host;
    this.port = port;
    this.domain = domain;
  }

  @Override
  public Future<EventReply> deliver(String namespace, String service, EventRequest request) {
    int p = port.getAsInt();
    RequestOptions o =
        new RequestOptions()
            .setServer(SocketAddress.inetSocketAddress(p, host))
            .setMethod(HttpMethod.POST)
            .setHost(service + "." + namespace + "." + domain)
            .setPort(p)
            .setURI(request.path());
    for (Map.Entry<String, String> h : request.headers()) {
      o.addHeader(h.getKey(), h.getValue());
    }
    Promise<EventReply> done = Promise.promise();
    AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
    long timer =
        vertx.setTimer(
            Math.max(1, request.timeout().toMillis()),
            id -> {
              if (done.tryFail(new EventingException("timed out after " + request.timeout()))) {
                HttpClientRequest req = sent.get();
                if (req != null) {
                  req.reset();
                }
              }
            });
    // Deliveries start on the trigger's consumer thread. Made from there, the response's handlers
    // could be set by a callback queued behind the whole response (DirectCalls lost a call so):
    // made on an event-loop context, they are set as the response head arrives.
    vertx.getOrCreateContext().runOnContext(v -> exchange(o, request, sent, timer, done));
    return done.future();
  }

  private void exchange(
      RequestOptions o,
      EventRequest request,
      AtomicReference<HttpClientRequest> sent,
      long timer,
      Promise<EventReply> done) {
    http.request(o)
        .compose(
            (HttpClientRequest req) -> {
              sent.set(req);
              return req.send(Buffer.buffer(request.body()));
            })
        .compose(GatewaySink::read)
        .onComplete(
            ar -> {
              vertx.cancelTimer(timer);
              if (ar.succeeded()) {
                done.tryComplete(ar.result());
              } else {
                done.tryFail(
                    new EventingException("cannot reach the gateway: " + ar.cause(), ar.cause()));
              }
            });
  }

  private static Future<EventReply> read(HttpClientResponse resp) {
    Promise<EventReply> p = Promise.promise();
    Buffer body = Buffer.buffer();
    resp.handler(
        chunk -> {
          int room = Delivery.MAX_RESPONSE - body.length();
          if (room > 0) {
            body.appendBuffer(chunk.length() <= room ? chunk : chunk.getBuffer(0, room));
          }
        });
    resp.exceptionHandler(p::tryFail);
    resp.endHandler(
        v -> {
          List<Map.Entry<String, String>> headers = new ArrayList<>(resp.headers().size());
          resp.headers().forEach((name, value) -> headers.add(Map.entry(name, value)));
          p.tryComplete(new EventReply(resp.statusCode(), headers, body.getBytes()));
        });
    return p.future();
  }
}
