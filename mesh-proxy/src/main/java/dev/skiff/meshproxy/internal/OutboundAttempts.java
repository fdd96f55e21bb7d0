package dev.skiff.meshproxy.internal;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.Callee;
import dev.skiff.meshproxy.OutboundCall;
import dev.skiff.meshproxy.OutboundReply;
import dev.skiff.meshproxy.RequestTimeoutException;
import dev.skiff.meshproxy.ResponseTooLargeException;
import dev.skiff.meshproxy.Sidecar;
import dev.skiff.meshproxy.spi.CalleeEndpoints;
import dev.skiff.meshproxy.spi.LocalCallees;
import dev.skiff.proxy.HopByHop;
import dev.skiff.proxy.InProcessWorkload;
import dev.skiff.proxy.SkiffHeaders;
import dev.skiff.proxy.Unprocessed;
import dev.skiff.routing.PeakEwma;
import dev.skiff.routing.RetryBudget;
import dev.skiff.routing.Route;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One outbound call from start to answer, on one Vert.x context: the revision chosen once, then up
 * to {@link #MAX_ATTEMPTS} attempts, each on an instance chosen afresh, all within the call's
 * timeout.
 */
public final class OutboundAttempts {
  private static final System.Logger LOG = System.getLogger(OutboundAttempts.class.getName());

  /** Attempts per call, the first included. */
  public static final int MAX_ATTEMPTS = 3;

  private static final Set<String> IDEMPOTENT =
      Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");

  private final Vertx vertx;
  private final SpiffeId caller;
  private final CallerClient client;
  private final CalleeEndpoints endpoints;
  private final LocalCallees locals;
  private final PeakEwma<Callee> balancer;
  private final RetryBudget budget;
  private final Duration connectTimeout;
  private final String domain;
  private final OutboundCall call;
  private final Route route;
  private final Promise<OutboundReply> done = Promise.promise();
  private final long deadline;
  private String revision;
  private int attempt;
  private HttpClientRequest current;

  /** The attempt in flight in process: failing it abandons the exchange (the call timed out). */
  private Promise<Void> currentLocal;

  private Context context;

  /** Whether attempt {@link #attempt} has been accounted for (its answer, failure or reset). */
  private boolean attemptEnded;

  /** Instances that failed an attempt of this call: a retry goes elsewhere while it can. */
  private final Set<Callee> failedHere = new java.util.HashSet<>();

  /** How one attempt ended when it did not bring an answer to pass on. */
  private record Failure(boolean sent, String what) {}

  public OutboundAttempts(
      Vertx vertx,
      SpiffeId caller,
      CallerClient client,
      CalleeEndpoints endpoints,
      LocalCallees locals,
      PeakEwma<Callee> balancer,
      RetryBudget budget,
      Duration connectTimeout,
      String domain,
      OutboundCall call,
      Route route) {
    this.vertx = vertx;
    this.caller = caller;
    this.client = client;
    this.endpoints = endpoints;
    this.locals = locals;
    this.balancer = balancer;
    this.budget = budget;
    this.connectTimeout = connectTimeout;
    this.domain = domain;
    this.call = call;
    this.route = route;
    this.deadline = System.nanoTime() + call.timeout().toNanos();
  }

  public Future<OutboundReply> start() {
    context = vertx.getOrCreateContext();
    context.runOnContext(v -> begin());
    return done.future();
  }

  /** The {@code Skiff-Revision-Tag} the caller sent, for services that route by it (as ingress). */
  private String tagHeader() {
    for (Map.Entry<String, String> h : call.headers()) {
      if (h.getKey().equalsIgnoreCase("skiff-revision-tag")) {
        return h.getValue();
      }
    }
    return null;
  }

  private void begin() {
    if (route == null) {
      String host = call.url().getHost();
      finish(
          error(
              404,
              "no service answers to '" + host + "'",
              "call http://{service}.{namespace}/ or http://{tag}-{service}.{namespace}/ (the"
                  + " domain ."
                  + domain
                  + " may follow); check the name with the skiff CLI's service list"));
      return;
    }
    revision = route.split().pick(ThreadLocalRandom.current(), tagHeader());
    if (revision == null) {
      finish(
          error(
              503,
              "service "
                  + route.namespace()
                  + "/"
                  + route.service()
                  + " has no revision to route to",
              "all traffic percents are 0, or no revision was created yet; check the service's"
                  + " status"));
      return;
    }
    long ms = Math.max(1, call.timeout().toMillis());
    long timer = vertx.setTimer(ms, id -> timedOut());
    done.future().onComplete(ar -> vertx.cancelTimer(timer));
    budget.deposit();
    next();
  }

  private void next() {
    attempt++;
    List<Callee> ready = endpoints.ready(route.namespace(), revision);
    if (ready != null && !ready.isEmpty()) {
      send(ready);
      return;
    }
    // At zero: wake it as ingress does and wait for its first instance, within the call's time.
    endpoints
        .awaitReady(route.namespace(), revision, remaining())
        .onComplete(ar -> context.runOnContext(v -> woken(ar.failed() ? null : ar.result())));
  }

  /** The revision at zero has an instance now, or (null) not in time. */
  private void woken(List<Callee> ready) {
    if (done.future().isComplete()) {
      return;
    }
    if (ready == null || ready.isEmpty()) {
      finish(
          error(
              504,
              "revision " + revision + " of " + who() + " had no ready instance in time",
              "it is scaling from zero or cannot start; raise the caller's timeout or"
                  + " check the callee's instances"));
    } else {
      send(ready);
    }
  }

  private void send(List<Callee> ready) {
    List<Callee> choice = ready;
    if (!failedHere.isEmpty() && ready.size() > failedHere.size()) {
      choice = ready.stream().filter(c -> !failedHere.contains(c)).toList();
    }
    Callee callee = balancer.pick(choice, ThreadLocalRandom.current());
    long started = System.nanoTime();
    int token = attempt;
    attemptEnded = false;
    balancer.started(callee);
    Sidecar local = locals.find(callee);
    if (local != null && local.takesWholeRequests()) {
      sendWhole(local, token, callee, started);
      return;
    }
    if (local != null && local.takesInProcessRequests()) {
      sendInProcess(local, token, callee, started);
      return;
    }
    RequestOptions options =
        new RequestOptions()
            .setMethod(HttpMethod.valueOf(call.method().toUpperCase(Locale.ROOT)))
            .setHost(callee.host())
            .setPort(callee.port())
            .setSsl(true)
            .setURI(originForm())
            .setConnectTimeout(Math.max(1, Math.min(connectTimeout.toMillis(), remainingMs())));
    for (Map.Entry<String, String> h : call.headers()) {
      if (forwarded(h.getKey().toLowerCase(Locale.ROOT))) {
        options.addHeader(h.getKey(), h.getValue());
      }
    }
    client
        .http()
        .request(options)
        .onComplete(
            connected -> {
              if (connected.failed()) {
                ended(
                    token,
                    callee,
                    started,
                    null,
                    new Failure(
                        false,
                        "cannot connect to " + callee + ": " + connected.cause().getMessage()));
                return;
              }
              HttpClientRequest up = connected.result();
              if (done.future().isComplete()) {
                up.reset();
                return;
              }
              String actual = client.peerIdentity(up.connection());
              if (!callee.identity().equals(actual)) {
                up.exceptionHandler(e -> {});
                up.connection().close();
                ended(
                    token,
                    callee,
                    started,
                    null,
                    new Failure(
                        false, callee + " presented identity " + actual + "; nothing was sent"));
                return;
              }
              current = up;
              up.authority(authority());
              up.send(Buffer.buffer(call.body()))
                  .onComplete(
                      sent -> {
                        if (sent.failed()) {
                          // An HTTP/2 callee that did not process the stream (GOAWAY below it,
                          // REFUSED_STREAM) took nothing of it: as if never sent, so any method
                          // goes again (the call's body is whole, kept for every attempt).
                          String unprocessed = Unprocessed.reason(sent.cause(), up.streamId());
                          ended(
                              token,
                              callee,
                              started,
                              null,
                              new Failure(
                                  unprocessed == null,
                                  sent.cause().getMessage()
                                      + (unprocessed == null
                                          ? ""
                                          : " (not processed: " + unprocessed + ")")));
                        } else {
                          read(token, callee, started, sent.result());
                        }
                      });
            });
  }

  /**
   * One attempt handed to a sidecar of this process: the same request as over mTLS (the caller's
   * identity checked by the callee's policy, then its timeout, stats and limit), but no connection.
   */
  private void sendInProcess(Sidecar local, int token, Callee callee, long started) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (Map.Entry<String, String> h : call.headers()) {
      if (forwarded(h.getKey().toLowerCase(Locale.ROOT))) {
        headers.add(h.getKey(), h.getValue());
      }
    }
    HostAndPort authority = authority();
    headers.set("host", authority.toString());
    headers.set("content-length", Integer.toString(call.body().length));
    LocalRequest request =
        new LocalRequest(
            context,
            HttpMethod.valueOf(call.method().toUpperCase(Locale.ROOT)),
            originForm(),
            authority,
            headers,
            // The call's bytes as they are (no copy): the workload only reads them.
            call.body(),
            call.maxResponseBytes());
    Promise<Void> cancellation = Promise.promise();
    currentLocal = cancellation;
    LocalResponse response = request.response();
    response
        .done()
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                List<Map.Entry<String, String>> out = new ArrayList<>(response.headers().size());
                response
                    .headers()
                    .forEach(
                        (name, value) -> out.add(Map.entry(name.toLowerCase(Locale.ROOT), value)));
                ended(
                    token,
                    callee,
                    started,
                    new OutboundReply(
                        response.getStatusCode(), out, response.body().getBytes(), revision),
                    null);
              } else if (ar.cause() instanceof ResponseTooLargeException tooLarge) {
                if (token == attempt && !attemptEnded) {
                  attemptEnded = true;
                  balancer.finished(callee, System.nanoTime() - started, false);
                  done.tryFail(tooLarge);
                }
              } else {
                ended(
                    token,
                    callee,
                    started,
                    null,
                    new Failure(true, "the in-process exchange broke off: " + ar.cause()));
              }
            });
    local
        .serveInProcess(request, caller, cancellation.future())
        .onComplete(
            ar -> {
              if (!response.done().isComplete()) {
                response.reset();
              }
            });
  }

  /**
   * One attempt handed whole to a sidecar of this process whose workload takes such requests (a
   * Wasm instance): what {@link #sendInProcess} sends, as values (method, target, headers, the
   * call's own bytes), through the same stages of the callee's sidecar, the answer read as status,
   * headers and bytes.
   */
  private void sendWhole(Sidecar local, int token, Callee callee, long started) {
    List<Map.Entry<String, String>> headers = new ArrayList<>(call.headers().size() + 3);
    for (Map.Entry<String, String> h : call.headers()) {
      if (forwarded(h.getKey().toLowerCase(Locale.ROOT))) {
        headers.add(h);
      }
    }
    HostAndPort authority = authority();
    headers.add(Map.entry("host", authority.toString()));
    headers.add(Map.entry("content-length", Integer.toString(call.body().length)));
    String target = originForm();
    int q = target.indexOf('?');
    InProcessWorkload.Call whole =
        new InProcessWorkload.Call(
            call.method().toUpperCase(Locale.ROOT),
            q < 0 ? target : target.substring(0, q),
            q < 0 ? "" : target.substring(q + 1),
            headers,
            // The call's bytes as they are (no copy): the workload only reads them.
            call.body());
    Promise<Void> cancellation = Promise.promise();
    currentLocal = cancellation;
    local
        .serveWhole(whole, caller, cancellation.future())
        .onComplete(
            ar -> {
              if (ar.failed()) {
                ended(
                    token,
                    callee,
                    started,
                    null,
                    new Failure(true, "the in-process exchange broke off: " + ar.cause()));
                return;
              }
              InProcessWorkload.Answer answer = ar.result();
              if (answer.body().length > call.maxResponseBytes()) {
                if (token == attempt && !attemptEnded) {
                  attemptEnded = true;
                  balancer.finished(callee, System.nanoTime() - started, false);
                  done.tryFail(
                      new ResponseTooLargeException(
                          "http://" + authority + target, call.maxResponseBytes()));
                }
                return;
              }
              ended(
                  token,
                  callee,
                  started,
                  new OutboundReply(answer.status(), answer.headers(), answer.body(), revision),
                  null);
            });
  }

  private static boolean forwarded(String lower) {
    return !HopByHop.HEADERS.contains(lower)
        && !SkiffHeaders.ALL.contains(lower)
        && !lower.equals("host")
        && !lower.equals("content-length");
  }

  private void read(int token, Callee callee, long started, HttpClientResponse response) {
    Buffer body = Buffer.buffer();
    long max = call.maxResponseBytes();
    response.exceptionHandler(
        e ->
            ended(
                token,
                callee,
                started,
                null,
                new Failure(true, "the response broke off: " + e.getMessage())));
    response.handler(
        chunk -> {
          if (token != attempt || attemptEnded) {
            return;
          }
          if (body.length() + chunk.length() > max) {
            attemptEnded = true;
            balancer.finished(callee, System.nanoTime() - started, false);
            done.tryFail(new ResponseTooLargeException(call.url().toString(), max));
            response.request().reset();
            return;
          }
          body.appendBuffer(chunk);
        });
    response.endHandler(
        v -> {
          List<Map.Entry<String, String>> headers = new ArrayList<>();
          response
              .headers()
              .forEach(
                  h -> headers.add(Map.entry(h.getKey().toLowerCase(Locale.ROOT), h.getValue())));
          ended(
              token,
              callee,
              started,
              new OutboundReply(response.statusCode(), headers, body.getBytes(), revision),
              null);
        });
  }

  /** One attempt is over: pass its answer on, retry, or give up. */
  private void ended(int token, Callee callee, long started, OutboundReply reply, Failure failure) {
    if (token != attempt || attemptEnded) {
      return; // a late event of an attempt already accounted for (a reset's own failure)
    }
    attemptEnded = true;
    boolean failed = failure != null || reply.status() >= 500;
    balancer.finished(callee, System.nanoTime() - started, failed);
    current = null;
    currentLocal = null;
    if (failed) {
      failedHere.add(callee);
    }
    if (done.future().isComplete()) {
      return;
    }
    boolean neverReceived = failure != null && !failure.sent();
    boolean retryable =
        neverReceived
            || (IDEMPOTENT.contains(call.method().toUpperCase(Locale.ROOT))
                && (failure != null || reply.status() >= 500));
    if (retryable && attempt < MAX_ATTEMPTS && remainingMs() > 0 && budget.tryWithdraw()) {
      LOG.log(
          Level.DEBUG,
          "retrying {0} {1} (attempt {2} failed: {3})",
          call.method(),
          call.url(),
          attempt,
          failure != null ? failure.what() : "status " + reply.status());
      next();
      return;
    }
    if (reply != null) {
      finish(reply);
      return;
    }
    LOG.log(
        Level.WARNING, "outbound {0} {1} failed: {2}", call.method(), call.url(), failure.what());
    finish(
        error(
            502,
            "no instance of revision " + revision + " of " + who() + " answered the call",
            "the callee may be crashing or restarting; retry, and check its instance logs"));
  }

  private void timedOut() {
    // Answered first, so the reset's own failure finds the call over.
    finish(
        error(
            504,
            who() + " did not answer within " + call.timeout().toMillis() + " ms",
            "make the callee faster or give the caller a longer timeout (timeoutSeconds)"));
    HttpClientRequest up = current;
    if (up != null) {
      up.reset();
    }
    Promise<Void> local = currentLocal;
    if (local != null) {
      local.tryFail(new RequestTimeoutException("the outbound call timed out"));
    }
  }

  private void finish(OutboundReply reply) {
    done.tryComplete(reply);
  }

  private String who() {
    return "service " + route.namespace() + "/" + route.service();
  }

  private Duration remaining() {
    return Duration.ofMillis(Math.max(1, remainingMs()));
  }

  private long remainingMs() {
    return (deadline - System.nanoTime()) / 1_000_000;
  }

  private String originForm() {
    String path = call.url().getRawPath();
    String query = call.url().getRawQuery();
    return (path == null || path.isEmpty() ? "/" : path) + (query == null ? "" : "?" + query);
  }

  private HostAndPort authority() {
    String host = call.url().getHost();
    int port = call.url().getPort();
    return port < 0 ? HostAndPort.authority(host) : HostAndPort.authority(host, port);
  }

  private OutboundReply error(int status, String problem, String hint) {
    byte[] body =
        new JsonObject()
            .put("error", problem)
            .put("hint", hint)
            .encode()
            .getBytes(StandardCharsets.UTF_8);
    return new OutboundReply(
        status,
        List.of(
            Map.entry("content-type", "application/json"),
            Map.entry("skiff-mesh-error", String.valueOf(status))),
        body,
        null);
  }
}
