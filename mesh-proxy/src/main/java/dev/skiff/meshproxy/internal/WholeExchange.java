package dev.skiff.meshproxy.internal;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.proxy.ClientGoneException;
import dev.skiff.proxy.InProcessWorkload;
import dev.skiff.proxy.SkiffHeaders;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * One request handed to a sidecar whole, as values ({@link InProcessWorkload.Call}), by a caller in
 * this process: what {@link SidecarExchange} is for a request object, without one. Confined to the
 * event loop it was handed over on.
 */
public final class WholeExchange {
  private final Context context;
  private final SpiffeId caller;
  private final InProcessWorkload.Call call;
  private final boolean proxied;
  private final Promise<Void> cancellation = Promise.promise();
  private final long startNanos = System.nanoTime();
  private boolean finished;
  private boolean clientGone;

  /** {@code call}'s header list becomes the exchange's: the sidecar sets the caller's header. */
  public WholeExchange(Context context, SpiffeId caller, InProcessWorkload.Call call) {
    this.context = context;
    this.caller = caller;
    this.call = call;
    this.proxied = SkiffHeaders.PROXIED_BY_ACTIVATOR.equals(call.header(SkiffHeaders.PROXIED_BY));
  }

  public Context context() {
    return context;
  }

  public SpiffeId caller() {
    return caller;
  }

  public InProcessWorkload.Call call() {
    return call;
  }

  /** Whether the activator forwarded the request (counted as proxied in the stats). */
  public boolean proxied() {
    return proxied;
  }

  public long startNanos() {
    return startNanos;
  }

  /** Fails (never succeeds) when the exchange is abandoned: the caller left, a deadline passed. */
  public Future<Void> cancellation() {
    return cancellation.future();
  }

  /** Abandons the exchange with {@code cause}; the first cause wins; a finished one is left be. */
  public void cancel(Throwable cause) {
    if (finished || cancellation.future().isComplete()) {
      return;
    }
    clientGone = cause instanceof ClientGoneException;
    cancellation.fail(cause);
  }

  /** Marks the exchange over; a later {@link #cancel} does nothing. */
  public void finish() {
    finished = true;
  }

  /** True when the exchange was cancelled because the caller went away. */
  public boolean clientGone() {
    return clientGone;
  }
}
