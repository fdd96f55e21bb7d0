package dev.skiff.meshproxy.internal;

import dev.skiff.meshproxy.AccessDeniedException;
import dev.skiff.meshproxy.AuthorizationPolicy;
import dev.skiff.meshproxy.RequestListener;
import dev.skiff.proxy.BadRequestException;
import dev.skiff.proxy.Deadlines;
import dev.skiff.proxy.ErrorReply;
import dev.skiff.proxy.InProcessWorkload;
import dev.skiff.proxy.InProcessWorkload.Answer;
import dev.skiff.proxy.InProcessWorkload.Call;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The sidecar's stages for a request handed over whole ({@link WholeExchange}) to a workload that
 * takes such requests ({@link InProcessWorkload}): the same ones, in the same order, with the same
 * answers, as {@link SidecarPipeline} runs on a request object (Measure, MapErrors, Authorize,
 * Deadline, Track, Limit, then the workload), with the answer as values instead of a response.
 */
public final class WholePipeline {
  private static final System.Logger LOG = System.getLogger(WholePipeline.class.getName());

  private final SidecarPipeline.Parts parts;
  private final InProcessWorkload workload;
  private final Deadlines deadlines;
  private final ClientCertHeader clientCert;

  public WholePipeline(SidecarPipeline.Parts parts, InProcessWorkload workload) {
    this.parts = parts;
    this.workload = workload;
    this.deadlines = new Deadlines(parts.settings().vertx());
    this.clientCert = new ClientCertHeader(parts.self());
  }

  /** Serves {@code x}; the answer never fails: a failure below is answered as MapErrors does. */
  public Future<Answer> serve(WholeExchange x) {
    // MapErrors, then Measure.
    return call(() -> authorize(x))
        .recover(err -> Future.succeededFuture(errorAnswer(err)))
        .andThen(
            ar ->
                parts
                    .metrics()
                    .answered(
                        x.clientGone() ? Measure.CLIENT_CLOSED : ar.result().status(),
                        Duration.ofNanos(System.nanoTime() - x.startNanos())));
  }

  /** Authorize: the caller against the policy read now; denied is 403 and not counted. */
  private Future<Answer> authorize(WholeExchange x) {
    AuthorizationPolicy policy = parts.policy().get();
    if (!policy.allows(x.caller())) {
      parts.metrics().refused(Refusal.DENIED_BY_POLICY);
      return Future.failedFuture(
          new AccessDeniedException(
              x.caller() == null ? null : x.caller().uri(), policy.toString()));
    }
    // Deadline, waiting for a slot included.
    Duration timeout = parts.settings().requestTimeout();
    Deadlines.Deadline deadline =
        deadlines.start(x.context(), timeout, () -> x.cancel(Deadline.expired(timeout)));
    // Track: the instance's stats and the listener, until the exchange ends.
    boolean proxied = x.proxied();
    RequestListener listener = parts.listener();
    parts.counter().enter(proxied);
    listener.entered(proxied);
    return call(() -> limited(x))
        .andThen(
            ar -> {
              parts.counter().leave(proxied);
              listener.left(proxied);
            })
        .andThen(ar -> deadline.cancel());
  }

  /** Limit: wait for a slot in the bounded queue (503 when full), and free it after. */
  private Future<Answer> limited(WholeExchange x) {
    ConcurrencyLimit limit = parts.limit();
    return limit
        .acquire(x.context(), x.cancellation())
        .compose(slot -> call(() -> served(x)).andThen(ar -> limit.release()));
  }

  /**
   * The workload, with the caller in {@code X-Forwarded-Client-Cert} as ServeInProcess sets it; the
   * exchange is over when the workload answers or when the exchange is abandoned.
   */
  private Future<Answer> served(WholeExchange x) {
    Promise<Answer> done = Promise.promise();
    Promise<Void> gone = Promise.promise();
    x.cancellation()
        .onFailure(
            err -> {
              done.tryFail(err);
              gone.tryComplete();
            });
    Call call = x.call();
    List<Map.Entry<String, String>> headers = call.headers();
    headers.removeIf(h -> h.getKey().equalsIgnoreCase(Forward.CLIENT_CERT));
    if (x.caller() != null) {
      headers.add(Map.entry(Forward.CLIENT_CERT, clientCert.of(x.caller())));
    }
    workload
        .serve(call, gone.future())
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                done.tryComplete(ar.result());
              } else {
                done.tryFail(ar.cause());
              }
            });
    return done.future();
  }

  /** The answer ErrorResponder gives for {@code err}: its status, JSON body, Retry-After. */
  private Answer errorAnswer(Throwable err) {
    ErrorReply reply;
    if (err instanceof BadRequestException bad) {
      reply = new ErrorReply(bad.status(), bad.getMessage(), bad.hint(), null);
    } else {
      reply = SidecarPipeline.reply(err, parts.settings());
    }
    if (reply == null) {
      LOG.log(Level.ERROR, "an in-process request failed unexpectedly", err);
      reply =
          new ErrorReply(
              500,
              "internal sidecar error",
              "this is a bug in Skiff's sidecar; report it with the request id",
              null);
    }
    List<Map.Entry<String, String>> headers = new ArrayList<>(3);
    if (reply.retryAfter() != null) {
      long seconds = Math.max(1, (reply.retryAfter().toMillis() + 999) / 1000);
      headers.add(Map.entry("retry-after", Long.toString(seconds)));
    }
    headers.add(Map.entry("content-type", "application/json"));
    headers.add(Map.entry("cache-control", "no-store"));
    JsonObject body = new JsonObject().put("error", reply.error());
    if (reply.hint() != null) {
      body.put("hint", reply.hint());
    }
    return new Answer(reply.status(), headers, body.encode().getBytes(StandardCharsets.UTF_8));
  }

  private static <T> Future<T> call(Supplier<Future<T>> stage) {
    try {
      return stage.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
