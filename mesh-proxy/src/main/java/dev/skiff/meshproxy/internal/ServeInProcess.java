package dev.skiff.meshproxy.internal;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.proxy.Stage;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerRequest;

/**
 * Hands the request to a workload served in this process (a Wasm instance) instead of forwarding
 * it: the workload answers on the client's own response, and the exchange is over when that
 * response ends, or when the exchange is abandoned (client gone, timeout). The workload sees the
 * caller in {@code X-Forwarded-Client-Cert}, as a forwarded workload does.
 */
final class ServeInProcess implements Stage<SidecarExchange> {
  private final Handler<HttpServerRequest> workload;
  private final SpiffeId self;

  /** The header value for the last caller: callers are few (eventing, a function, the gateway). */
  private volatile ClientCert last;

  ServeInProcess(Handler<HttpServerRequest> workload, SpiffeId self) {
    this.workload = workload;
    this.self = self;
  }

  @Override
  public Future<Void> serve(SidecarExchange x) {
    Promise<Void> done = Promise.promise();
    HttpServerRequest request = x.request();
    x.response().endHandler(v -> done.tryComplete());
    x.cancellation().onFailure(done::tryFail);
    request.headers().remove(Forward.CLIENT_CERT);
    if (x.caller() != null) {
      request.headers().set(Forward.CLIENT_CERT, clientCert(x.caller()));
    }
    workload.handle(request);
    // The listener paused the body until a stage is ready for it; the workload has set its
    // handlers by now.
    request.resume();
    return done.future();
  }

  /** {@code By={self};URI={caller}}, built once per caller in a row. */
  private String clientCert(SpiffeId caller) {
    ClientCert c = last;
    if (c == null || !c.caller().equals(caller)) {
      c = new ClientCert(caller, "By=" + self.uri() + ";URI=" + caller.uri());
      last = c;
    }
    return c.value();
  }

  private record ClientCert(SpiffeId caller, String value) {}
}
