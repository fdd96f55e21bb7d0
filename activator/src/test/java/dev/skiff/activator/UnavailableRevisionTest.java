package dev.skiff.activator;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

/** A revision that cannot get an instance: requests fail at once with 503 and the reason. */
class UnavailableRevisionTest extends ActivatorTestBase {

  @Test
  void queuedRequestsFailWith503AndTheReasonWhenTheRevisionBecomesUnavailable() {
    Future<Response> waiting = get("broken-00001", "/");
    eventually("the request is queued", () -> queued("broken-00001") == 1);

    endpoints.publishUnavailable(NS, "broken-00001", "ImagePullFailed: connection refused");

    Response r = await(waiting);
    assertEquals(503, r.status());
    assertTrue(
        r.body().toString().contains("ImagePullFailed: connection refused"), r.body().toString());
    assertEquals(0, queued("broken-00001"));
  }

  @Test
  void newRequestsToAnUnavailableRevisionFailAtOnce() {
    endpoints.publishUnavailable(NS, "broken-00001", "StartFailed: boom");

    Response r = await(get("broken-00001", "/"));

    assertEquals(503, r.status());
    assertTrue(r.body().toString().contains("StartFailed: boom"), r.body().toString());
  }

  @Test
  void aRevisionThatRecoversServesAgain() {
    endpoints.publishUnavailable(NS, "flaky-00001", "StartFailed: boom");
    assertEquals(503, await(get("flaky-00001", "/")).status());

    Backend b = backend("flaky-00001");
    endpoints.publish(NS, "flaky-00001", 0, b.endpoint());

    assertEquals(200, await(get("flaky-00001", "/")).status());
  }
}
