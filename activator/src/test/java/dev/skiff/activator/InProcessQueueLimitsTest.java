package dev.skiff.activator;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The queue's answers (503 full, 503 timed out while queued, 504 after forwarding, 400) are the
 * same for a request entered in process ({@link Activator#serveInProcess}) as over the listener;
 * and a caller that leaves takes its request out of the queue.
 */
class InProcessQueueLimitsTest extends QueueLimitsTest {
  private InProcessFront front;

  @BeforeEach
  void startFront() {
    front = InProcessFront.start(vertx, activator, null);
  }

  @AfterEach
  void stopFront() {
    await(front.close());
  }

  @Override
  int entryPort() {
    return front.port();
  }

  @Test
  void callerLeavingTakesItsRequestOutOfTheQueueAsAClientGone() {
    HttpClient client = client(new HttpClientOptions());
    client
        .request(to("left-00001", HttpMethod.GET, "/"))
        .compose(req -> req.send())
        .onComplete(ar -> {}); // never answered: the caller leaves first
    eventually("the request is queued", () -> queued("left-00001") == 1);

    await(client.close());

    eventually("the request left the queue", () -> queued("left-00001") == 0);
    eventuallyCounted("left-00001", "client_gone", 1);
    Backend b = backend("left-00001");
    endpoints.publish(NS, "left-00001", 0, b.endpoint());
    assertEquals(200, await(get("left-00001", "/after")).status());
    assertEquals(1, b.seen.size(), "only the request that stayed reached the instance");
  }
}
