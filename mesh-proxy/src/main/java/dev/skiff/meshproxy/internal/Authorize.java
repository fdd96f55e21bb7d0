package dev.skiff.meshproxy.internal;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.AccessDeniedException;
import dev.skiff.meshproxy.AuthorizationPolicy;
import dev.skiff.proxy.Stage;
import io.vertx.core.Future;

/** Lets through only callers the service's policy allows; others fail with 403. */
final class Authorize implements Stage<SidecarExchange> {
  private final AuthorizationPolicy policy;
  private final SidecarMetrics metrics;
  private final Stage<SidecarExchange> next;

  Authorize(AuthorizationPolicy policy, SidecarMetrics metrics, Stage<SidecarExchange> next) {
    this.policy = policy;
    this.metrics = metrics;
    this.next = next;
  }

  @Override
  public Future<Void> serve(SidecarExchange x) {
    SpiffeId caller = x.caller();
    if (!policy.allows(caller)) {
      metrics.refused(Refusal.DENIED_BY_POLICY);
      return Future.failedFuture(
          new AccessDeniedException(caller == null ? null : caller.uri(), policy.toString()));
    }
    return next.serve(x);
  }
}
