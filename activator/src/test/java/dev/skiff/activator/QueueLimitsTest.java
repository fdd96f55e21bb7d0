package dev.skiff.activator;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The only 503s: a full queue and a timeout while queued. Also 504 and 400. */
class QueueLimitsTest extends ActivatorTestBase {

  @Override
  Activator.Builder configure(Activator.Builder builder) {
    return builder.withQueueDepth(2).withRetryAfter(Duration.ofSeconds(3));
  }

  @Test
  void fullQueueAnswers503WithRetryAfterAndAJsonBody() {
    Future<Response> first = get("full-00001", "/1");
    Future<Response> second = get("full-00001", "/2");
    eventually("the queue is full", () -> queued("full-00001") == 2);

    Response third = await(get("full-00001", "/3"));

    assertEquals(503, third.status());
    assertEquals("3", third.header("retry-after"));
    assertEquals("application/json", third.header("content-type"));
    JsonObject body = third.body().toJsonObject();
    assertTrue(body.getString("error").contains("default/full-00001"), body.encode());
    assertTrue(body.getString("hint").contains("queue depth"), body.encode());
    eventuallyCounted("full-00001", "queue_full", 1);
    assertFalse(first.isComplete() || second.isComplete(), "the queued ones still wait");

    Backend b = backend("full-00001");
    endpoints.publish(NS, "full-00001", 0, b.endpoint());
    assertEquals(200, await(first).status());
    assertEquals(200, await(second).status());
  }

  @Test
  void requestWhoseTimeoutPassesWhileQueuedGets503WithRetryAfter() {
    RequestOptions o = to("slow-start-00001", HttpMethod.GET, "/");
    o.putHeader(Activator.REQUEST_TIMEOUT_HEADER, "300");
    o.putHeader("x-request-id", "req-42");
    long start = System.nanoTime();

    Response r = await(exchange(http, o, null));

    long waited = (System.nanoTime() - start) / 1_000_000;
    assertEquals(503, r.status());
    assertEquals("3", r.header("retry-after"));
    JsonObject body = r.body().toJsonObject();
    assertTrue(body.getString("error").contains("300 ms"), body.encode());
    assertEquals("req-42", body.getString("requestId"));
    assertTrue(waited >= 290, "answered after " + waited + " ms");
    assertEquals(0, queued("slow-start-00001"), "the request left the queue");
    eventuallyCounted("slow-start-00001", "queue_timeout", 1);
    assertEquals(1, pokes.size());
  }

  @Test
  void requestWhoseTimeoutPassesAfterForwardingGets504AndTheInstanceRequestIsAbandoned() {
    Backend silent = backend("stuck-00001").hold();
    endpoints.publish(NS, "stuck-00001", 0, silent.endpoint());
    RequestOptions o = to("stuck-00001", HttpMethod.GET, "/");
    o.putHeader(Activator.REQUEST_TIMEOUT_HEADER, "300");

    Response r = await(exchange(http, o, null));

    assertEquals(504, r.status());
    assertTrue(r.body().toJsonObject().getString("error").contains("300 ms"));
    eventually("the upstream request is abandoned", () -> silent.inFlight.get() == 0);
    eventuallyCounted("stuck-00001", "upstream_timeout", 1);
  }

  @Test
  void clientThatLeavesWhileQueuedIsWithdrawnFromTheQueue() {
    var impatient = client(new HttpClientOptions());
    Future<Response> abandoned = exchange(impatient, to("gone-00001", HttpMethod.GET, "/"), null);
    eventually("the request is queued", () -> queued("gone-00001") == 1);

    await(impatient.close());

    eventually("the queue is empty again", () -> queued("gone-00001") == 0);
    eventually("counted as client_gone", () -> outcomes("gone-00001", "client_gone") == 1);
    Boolean failed = await(abandoned.transform(ar -> Future.succeededFuture(ar.failed())));
    assertTrue(failed, "the client saw its own connection close");
    Backend b = backend("gone-00001");
    endpoints.publish(NS, "gone-00001", 0, b.endpoint());
    assertEquals(200, await(get("gone-00001", "/next")).status());
    assertEquals(1, b.seen.size(), "the abandoned request was never sent");
  }

  @Test
  void requestWithoutRevisionHeadersGets400() {
    RequestOptions o = to("x", HttpMethod.GET, "/");
    o.removeHeader(Activator.REVISION_NAME_HEADER);

    Response r = await(exchange(http, o, null));

    assertEquals(400, r.status());
    assertTrue(r.body().toJsonObject().getString("error").contains(Activator.REVISION_NAME_HEADER));
    eventuallyCounted("none", "no_revision", 1);
  }
}
