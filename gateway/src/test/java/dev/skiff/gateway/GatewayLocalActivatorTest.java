package dev.skiff.gateway;

import static dev.skiff.gateway.Services.put;
import static dev.skiff.gateway.Services.service;
import static dev.skiff.gateway.Services.to;
import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.gateway.spi.ActivatorRouting;
import io.micrometer.core.instrument.Counter;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/**
 * An activator in the gateway's process: requests for it are handed over in process (never to its
 * listener), with the headers they would have been sent, and the client's leaving cancels them.
 */
class GatewayLocalActivatorTest extends GatewayTestBase {
  private final Queue<MultiMap> handedOver = new ConcurrentLinkedQueue<>();
  private final Queue<Future<Void>> cancellations = new ConcurrentLinkedQueue<>();
  private volatile boolean answer = true;
  private Backend listener;

  @Override
  Gateway.Builder configure(Gateway.Builder builder) {
    listener = Backend.start(vertx, "activator-listener", req -> req.response().end("listener"));
    backends.add(listener);
    return builder
        .withActivator(listener.endpoint(), ActivatorRouting.whenNoEndpoint())
        .withLocalActivator(this::serve);
  }

  /** The activator's part: answers for itself, setting headers the gateway owns too. */
  private Future<Void> serve(HttpServerRequest request, Future<Void> cancellation) {
    handedOver.add(MultiMap.caseInsensitiveMultiMap().addAll(request.headers()));
    cancellations.add(cancellation);
    if (!answer) {
      return cancellation;
    }
    return request
        .response()
        .putHeader("x-request-id", "the-activators-own")
        .putHeader("x-via", "in process")
        .end("activator");
  }

  @Test
  void coldRequestIsHandedToTheActivatorInProcessWithItsHeadersAndNeverReachesItsListener() {
    gateway.onResourceEvent(put(service(NS, "cold", 7, to("cold-00001", 100))));
    RequestOptions o = at(host("cold"), HttpMethod.GET, "/");
    o.putHeader("Skiff-Revision-Name", "someone-elses-00001"); // a client must not steer it

    Response r = await(exchange(http1, o, null));

    assertEquals(200, r.status());
    assertEquals("activator", r.body().toString());
    assertEquals("in process", r.header("x-via"));
    assertTrue(listener.seen.isEmpty(), "the activator's listener saw nothing");
    MultiMap seen = handedOver.peek();
    assertNotNull(seen);
    assertEquals("default", seen.get("Skiff-Revision-Namespace"));
    assertEquals(List.of("cold-00001"), seen.getAll("Skiff-Revision-Name"));
    assertEquals("7000", seen.get("Skiff-Request-Timeout-Ms"));
    assertNotNull(seen.get("x-forwarded-for"));
    assertEquals("http", seen.get("x-forwarded-proto"));
    assertNotNull(seen.get("traceparent"));
    String id = seen.get("x-request-id");
    assertNotNull(id);
    assertEquals(List.of(id), r.headers().getAll("x-request-id"), "the gateway's id, once");
    assertEquals(List.of("cold-00001"), r.headers().getAll("x-skiff-revision"));
    assertEquals(1, handoffs("in_process"));
    assertEquals(0, handoffs("network"));
  }

  @Test
  void clientLeavingCancelsTheHandOff() {
    answer = false;
    gateway.onResourceEvent(put(service(NS, "gone", to("gone-00001", 100))));
    HttpClient client = client(new HttpClientOptions());
    client
        .request(at(host("gone"), HttpMethod.GET, "/"))
        .compose(req -> req.send())
        .onComplete(ar -> {}); // never answered: the client leaves first
    eventually("the request was handed over", () -> !cancellations.isEmpty());
    Future<Void> cancellation = cancellations.peek();
    assertTrue(!cancellation.isComplete(), "not cancelled while the client waits");

    await(client.close());

    eventually("the hand-off is cancelled", cancellation::failed);
    eventually(
        "counted as the client gone",
        () -> {
          Counter c =
              registry
                  .find("skiff.gateway.requests")
                  .tags("revision", "gone-00001", "code", "499")
                  .counter();
          return c != null && c.count() == 1;
        });
  }

  private double handoffs(String path) {
    Counter c = registry.find("skiff.gateway.activator.handoffs").tags("path", path).counter();
    return c == null ? 0 : c.count();
  }
}
