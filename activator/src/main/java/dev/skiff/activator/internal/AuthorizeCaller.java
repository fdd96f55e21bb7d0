package dev.skiff.activator.internal;

import dev.skiff.activator.CallerNotAllowedException;
import dev.skiff.proxy.Stage;
import io.vertx.core.Future;
import java.util.Set;
import java.util.TreeSet;

/**
 * On a mutual-TLS listener: only callers whose certificate names one of the allowed identities get
 * through; others get 403 naming their identity and the allowed ones. The handshake already refused
 * callers without a mesh certificate.
 */
final class AuthorizeCaller implements Stage<Exchange> {
  private final Set<String> allowed;
  private final Stage<Exchange> next;

  AuthorizeCaller(Set<String> allowed, Stage<Exchange> next) {
    this.allowed = Set.copyOf(allowed);
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    String caller = x.peerIdentity();
    if (caller == null || !allowed.contains(caller)) {
      return Future.failedFuture(
          new CallerNotAllowedException(
              "caller "
                  + (caller == null ? "without an identity" : caller)
                  + " may not call the activator (allowed: "
                  + new TreeSet<>(allowed)
                  + ")",
              "the activator takes requests from the gateway and eventing only; send requests to"
                  + " the gateway"));
    }
    return Stage.call(next, x);
  }
}
