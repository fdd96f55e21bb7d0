package dev.skiff.meshproxy;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.testing.CountingListener;
import dev.skiff.meshproxy.testing.SidecarFixture;
import dev.skiff.proxy.InProcessWorkload;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A request handed whole to the sidecar of a workload that takes such requests (a Wasm instance):
 * the same policy, limit, timeout, stats, metrics and drain as a request object handed over in
 * process, with the answer as values.
 */
class SidecarWholeIT {
  private static final SpiffeId EVENTING = SpiffeId.component("skiff.local", "eventing");
  private SidecarFixture f;
  private final AtomicInteger served = new AtomicInteger();
  private final AtomicInteger httpEntries = new AtomicInteger();
  private final AtomicInteger gone = new AtomicInteger();
  private final CountingListener listener = new CountingListener();
  private final Queue<Promise<InProcessWorkload.Answer>> held = new ConcurrentLinkedQueue<>();

  /** Echoes its caller's header; holds {@code /slow} until the test answers it. */
  private final class Workload implements Handler<HttpServerRequest>, InProcessWorkload {
    @Override
    public void handle(HttpServerRequest req) {
      httpEntries.incrementAndGet();
      req.response().setStatusCode(500).end("the HTTP entry");
    }

    @Override
    public Future<Answer> serve(Call call, Future<Void> whenGone) {
      served.incrementAndGet();
      whenGone.onComplete(v -> gone.incrementAndGet());
      if (call.path().equals("/slow")) {
        Promise<Answer> p = Promise.promise();
        held.add(p);
        return p.future();
      }
      String xfcc = call.header("x-forwarded-client-cert");
      return Future.succeededFuture(
          new Answer(
              200,
              List.of(Map.entry("seen-client-cert", xfcc == null ? "none" : xfcc)),
              ("whole ok " + call.body().length + " " + call.query())
                  .getBytes(StandardCharsets.UTF_8)));
    }
  }

  @AfterEach
  void stop() {
    if (f != null) {
      answerHeld();
      f.close();
    }
  }

  @Test
  void anAllowedCallerIsServedNamedAndCountedAndADeniedOneGets403WithoutReachingTheWorkload() {
    start(b -> b);
    assertTrue(f.sidecar.takesWholeRequests());

    InProcessWorkload.Answer ok =
        await(whole("/", SpiffeId.workload("skiff.local", "shop", "checkout"), never()));
    InProcessWorkload.Answer denied =
        await(whole("/", SpiffeId.workload("skiff.local", "billing", "ledger"), never()));

    assertEquals(200, ok.status());
    assertEquals("whole ok 5 a=1", text(ok));
    assertEquals(
        "By=spiffe://skiff.local/ns/shop/svc/cart;URI=spiffe://skiff.local/ns/shop/svc/checkout",
        header(ok, "seen-client-cert"));
    assertEquals(403, denied.status());
    assertEquals("application/json", header(denied, "content-type"));
    assertTrue(
        text(denied).contains("caller spiffe://skiff.local/ns/billing/svc/ledger is not allowed"),
        text(denied));
    assertEquals(1, served.get(), "a denied request never reaches the workload");
    assertEquals(0, httpEntries.get(), "the HTTP entry is not used");
    assertEquals(
        1, listener.entered(), "only the authorized request is counted for the autoscaler");
    assertEquals(1, listener.left());
    eventually("both answers are measured", () -> f.requests(200) == 1 && f.requests(403) == 1);
    eventually("the denial is counted", () -> f.refusals("denied_by_policy") == 1);
  }

  @Test
  void aForgedClientCertHeaderIsReplacedByTheCallersOwn() {
    start(b -> b);
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    headers.add(Map.entry("X-Forwarded-Client-Cert", "URI=spiffe://skiff.local/ns/x/svc/forged"));

    InProcessWorkload.Answer ok = await(whole("/", EVENTING, never(), headers));

    assertEquals(
        "By=spiffe://skiff.local/ns/shop/svc/cart;URI=" + EVENTING.uri(),
        header(ok, "seen-client-cert"));
  }

  @Test
  void theLimitQueuesThenRefuses503WithRetryAfterAndCountsQueuedRequests() {
    start(b -> b.withContainerConcurrency(1).withQueueDepth(1));

    Future<InProcessWorkload.Answer> first = whole("/slow", EVENTING, never());
    eventually("the first reached the workload", () -> held.size() == 1);
    Future<InProcessWorkload.Answer> second = whole("/slow", EVENTING, never());
    eventually("the second waits and is counted", () -> f.sidecar.stats().inFlight() == 2);
    InProcessWorkload.Answer third = await(whole("/slow", EVENTING, never()));

    assertEquals(503, third.status(), text(third));
    assertNotNull(header(third, "retry-after"));
    assertEquals(1, held.size(), "the waiting request has not reached the workload");
    answerHeld();
    eventually("the waiting request reached the workload", () -> held.size() == 1);
    answerHeld();
    assertEquals(200, await(first).status());
    assertEquals(200, await(second).status());
    eventually("nothing in flight", () -> f.sidecar.stats().inFlight() == 0);
    assertEquals(3, f.sidecar.stats().drain().requests());
    assertEquals(3, listener.entered());
    eventually("every request left the listener's count", () -> listener.left() == 3);
  }

  @Test
  void aRequestPastTheTimeoutGets504AndTheWorkloadIsToldToStop() {
    start(b -> b.withRequestTimeout(Duration.ofMillis(300)));

    InProcessWorkload.Answer late = await(whole("/slow", EVENTING, never()));

    assertEquals(504, late.status(), text(late));
    // The workload is told on the event loop that answered; the answer may reach this thread first.
    eventually("the workload learned the request was abandoned", () -> gone.get() == 1);
    eventually("the request no longer counts", () -> f.sidecar.stats().inFlight() == 0);
    eventually("the 504 is measured", () -> f.requests(504) == 1);
    held.clear();
  }

  @Test
  void aCallerThatGivesUpFailsItsAnswerAndTheRequestStopsCounting() {
    start(b -> b);
    Promise<Void> cancellation = Promise.promise();
    Future<InProcessWorkload.Answer> abandoned = whole("/slow", EVENTING, cancellation.future());
    eventually("the request reached the workload", () -> held.size() == 1);

    f.vertx.runOnContext(v -> cancellation.fail("the caller gave up"));

    eventually("the workload learned of it", () -> gone.get() == 1);
    eventually("the request no longer counts", () -> f.sidecar.stats().inFlight() == 0);
    eventually("the listener was told", () -> listener.left() == 1);
    assertTrue(abandoned.failed());
    held.clear();
  }

  @Test
  void aRequestStillRunningWhenTheDrainGraceEndsGets503WithRetryAfter() {
    start(b -> b.withDrainGrace(Duration.ofMillis(100)));
    Future<InProcessWorkload.Answer> slow = whole("/slow", EVENTING, never());
    eventually("the request reached the workload", () -> held.size() == 1);

    Future<Void> stopped = f.sidecar.stop();

    assertFalse(f.sidecar.takesWholeRequests(), "a stopping sidecar takes no new request");
    InProcessWorkload.Answer r = await(slow);
    assertEquals(503, r.status(), text(r));
    assertNotNull(header(r, "retry-after"));
    assertTrue(text(r).contains("the instance stopped before answering"), text(r));
    await(stopped);
    held.clear();
  }

  private static Future<Void> never() {
    return Promise.<Void>promise().future();
  }

  private Future<InProcessWorkload.Answer> whole(
      String path, SpiffeId caller, Future<Void> cancellation) {
    return whole(path, caller, cancellation, new ArrayList<>());
  }

  /** Hands the call over on an event loop, as the mesh's outbound side does. */
  private Future<InProcessWorkload.Answer> whole(
      String path,
      SpiffeId caller,
      Future<Void> cancellation,
      List<Map.Entry<String, String>> headers) {
    Promise<InProcessWorkload.Answer> answer = Promise.promise();
    headers.add(Map.entry("host", "cart.shop.skiff.local"));
    InProcessWorkload.Call call =
        new InProcessWorkload.Call(
            "POST", path, "a=1", headers, "hello".getBytes(StandardCharsets.UTF_8));
    f.vertx
        .getOrCreateContext()
        .runOnContext(v -> f.sidecar.serveWhole(call, caller, cancellation).onComplete(answer));
    return answer.future();
  }

  /**
   * Answers the requests held now, not one that an answer lets in meanwhile (a queued request
   * reaches the workload on the event loop while this thread is still answering).
   */
  private void answerHeld() {
    for (int n = held.size(); n > 0; n--) {
      Promise<InProcessWorkload.Answer> p = held.poll();
      if (p == null) {
        return;
      }
      p.tryComplete(
          new InProcessWorkload.Answer(200, List.of(), "slow ok".getBytes(StandardCharsets.UTF_8)));
    }
  }

  private static String text(InProcessWorkload.Answer a) {
    return new String(a.body(), StandardCharsets.UTF_8);
  }

  private static String header(InProcessWorkload.Answer a, String name) {
    for (Map.Entry<String, String> h : a.headers()) {
      if (h.getKey().equalsIgnoreCase(name)) {
        return h.getValue();
      }
    }
    return null;
  }

  private void start(UnaryOperator<Sidecar.Builder> settings) {
    f =
        new SidecarFixture(
            b -> settings.apply(b.withWorkload(new Workload()).withRequestListener(listener)));
  }
}
