package dev.skiff.meshproxy.internal;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.AccessDeniedException;
import dev.skiff.meshproxy.AuthorizationPolicy;
import dev.skiff.meshproxy.InstanceStoppedException;
import dev.skiff.meshproxy.OverloadedException;
import dev.skiff.meshproxy.RequestListener;
import dev.skiff.meshproxy.RequestTimeoutException;
import dev.skiff.meshproxy.WorkloadUnavailableException;
import dev.skiff.proxy.EndpointProxy;
import dev.skiff.proxy.ErrorReply;
import dev.skiff.proxy.ErrorResponder;
import dev.skiff.proxy.MapErrors;
import dev.skiff.proxy.ProxyPipeline;
import dev.skiff.proxy.ProxySettings;
import dev.skiff.proxy.Stage;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServerRequest;
import java.util.Set;
import java.util.function.Supplier;

/** Assembles the sidecar's request pipeline around one event loop's client to the workload. */
public final class SidecarPipeline {
  private SidecarPipeline() {}

  /**
   * Everything one sidecar's pipelines share. The workload is either {@code workloadHost}:{@code
   * workloadPort} or, when {@code inProcess} is not null, that handler.
   */
  public record Parts(
      ProxySettings settings,
      SpiffeId self,
      Supplier<AuthorizationPolicy> policy,
      ConcurrencyLimit limit,
      RequestCounter counter,
      RequestListener listener,
      SidecarMetrics metrics,
      String workloadHost,
      int workloadPort,
      boolean workloadH2c,
      Handler<HttpServerRequest> inProcess) {}

  /** The pipeline; {@code client} reaches a workload at an address (null for one in process). */
  public static ProxyPipeline<SidecarExchange> create(Parts p, HttpClient client) {
    ProxySettings s = p.settings();
    Stage<SidecarExchange> workload =
        p.inProcess() != null
            ? new ServeInProcess(p.inProcess(), p.self())
            : new Forward(
                new EndpointProxy(client, s.connectTimeout(), s.bodyReadTimeout(), Set.of()),
                p.workloadHost(),
                p.workloadPort(),
                p.workloadH2c(),
                p.self());
    ErrorResponder errors = new ErrorResponder("sidecar", err -> reply(err, s));
    // The order, outermost first:
    //   Measure    - status and latency of every request, refused ones included
    //   MapErrors  - a failure below becomes its JSON answer (403, 503, 502, 504)
    //   Authorize  - the caller's SPIFFE ID against the service's policy; denied: 403, not counted
    //   Deadline   - the request timeout, waiting for a slot included
    //   Track      - the instance's stats: authorized requests, queued or running
    //   Limit      - containerConcurrency: wait in the bounded queue, or 503 when it is full
    //   Forward    - stream to the workload and back (ServeInProcess: hand the request to the
    //                workload's handler in this process)
    Stage<SidecarExchange> chain =
        new Measure(
            p.metrics(),
            new MapErrors<>(
                errors,
                new Authorize(
                    p.policy(),
                    p.metrics(),
                    new Deadline(
                        s.vertx(),
                        s.requestTimeout(),
                        new Track(p.counter(), p.listener(), new Limit(p.limit(), workload))))));
    Callers callers = new Callers();
    return ProxyPipeline.of(
        (request, context) ->
            new SidecarExchange(request, context, callers.of(request.connection())),
        x -> Stage.call(chain, x));
  }

  static ErrorReply reply(Throwable err, ProxySettings s) {
    if (err instanceof AccessDeniedException denied) {
      return new ErrorReply(
          403,
          denied.getMessage(),
          "call with an identity the policy allows, or add "
              + (denied.caller() == null ? "the caller's identity" : denied.caller())
              + " to the service's authorization (skiff deploy --allow)",
          null);
    }
    if (err instanceof OverloadedException) {
      return new ErrorReply(
          503,
          err.getMessage(),
          "retry later; the autoscaler adds instances as load grows",
          s.retryAfter());
    }
    if (err instanceof InstanceStoppedException) {
      return new ErrorReply(
          503,
          err.getMessage(),
          "send the request again: the revision's other instances, or a new one, answer it",
          s.retryAfter());
    }
    if (err instanceof RequestTimeoutException) {
      return new ErrorReply(
          504, err.getMessage(), "raise the service's timeoutSeconds or make it faster", null);
    }
    if (err instanceof WorkloadUnavailableException w) {
      return new ErrorReply(
          w.sent() ? 502 : 503,
          err.getMessage(),
          w.sent()
              ? "the workload failed while answering; see its logs (skiff logs)"
              : "the workload is not listening; see its logs (skiff logs)",
          w.sent() ? null : s.retryAfter());
    }
    return null;
  }
}
