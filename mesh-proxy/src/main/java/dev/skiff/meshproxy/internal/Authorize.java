package dev.skiff.meshproxy.internal;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.AccessDeniedException;
import dev.skiff.meshproxy.AuthorizationPolicy;
import dev.skiff.proxy.Stage;
import io.vertx.core.Future;
import java.util.function.Supplier;

/**
 * Lets through only callers the service's policy allows; others fail with 403. The policy is read
 * per request, so a replaced one applies from the next request on.
 */
final class Authorize implements Stage<SidecarExchange> {
  private final Supplier<AuthorizationPolicy> policy;
  private final SidecarMetrics metrics;
  private final Stage<SidecarExchange> next;

  Authorize(
      Supplier<AuthorizationPolicy> policy, SidecarMetrics metrics, Stage<SidecarExchange> next) {
    this.policy = policy;
    this.metrics = metrics;
    this.next = next;
  }

  @Override
  public Future<Void> serve(SidecarExchange x) {
    SpiffeId caller = x.caller();
    AuthorizationPolicy policy = this.policy.get();
    if (!policy.allows(caller)) {
      metrics.refused(Refusal.DENIED_BY_POLICY);
      return Future.failedFuture(
          new AccessDeniedException(caller == null ? null : caller.uri(), policy.toString()));
    }
    return next.serve(x);
  }
}
