package dev.skiff.gateway.internal;

import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.gateway.spi.EndpointSource;
import dev.skiff.proxy.Replayable;
import dev.skiff.proxy.Stage;
import dev.skiff.routing.Outliers;
import dev.skiff.routing.RetryBudget;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * Sends a request that an instance failed for want of a connection to another instance of the same
 * revision, so the loss of a node (its process killed, its link cut) fails no request that can be
 * sent twice. The rules:
 *
 * <ul>
 *   <li>Nothing sent ({@link NothingSentException}: no connection could be made): any method.
 *   <li>Sent, but the connection broke before a response head ({@link NoResponseException}): only
 *       an idempotent method (RFC 9110 9.2.2: GET, HEAD, OPTIONS, PUT, DELETE, TRACE), or one with
 *       an {@code Idempotency-Key}, with no body (a body was streamed, not kept, so it cannot be
 *       sent again): {@link Replayable}. Such a request on a kept-alive connection that the
 *       instance closed as the request went out (its idle timeout) was already sent again once, on
 *       a new connection to the same instance, by {@code http-proxy}'s {@code EndpointProxy}: an
 *       idle timeout fails no request here and ejects no healthy instance.
 *   <li>Never once the client's response has started, never after the request was cancelled (its
 *       timeout passed, the client left), never through the activator (which queues and retries by
 *       itself), at most {@link #MAX_ATTEMPTS} attempts, each on an instance not tried before (the
 *       revision's ready instances read afresh), and only while Linkerd's {@link RetryBudget}
 *       allows, so retries never multiply an outage.
 *   <li>An instance on another host than those tried first, when the revision has one: a node's
 *       instances share its address, and a machine gone or cut off fails them all (on a cut link
 *       each after the dead-peer timeout), so a retry on its other instances would spend the
 *       attempts on one dead machine.
 * </ul>
 *
 * An instance that failed so is ejected at once from this gateway's choice ({@link Outliers}) for
 * the detector's backoff, so the requests that follow do not try it first.
 */
final class RetryElsewhere implements Stage<Exchange> {
  static final int MAX_ATTEMPTS = 3;

  private final EndpointSource source;
  private final RetryBudget budget;
  private final Outliers<Endpoint> outliers;
  private final LongSupplier nanoTime;
  private final GatewayMetrics metrics;
  private final Stage<Exchange> next;

  RetryElsewhere(
      EndpointSource source,
      RetryBudget budget,
      Outliers<Endpoint> outliers,
      LongSupplier nanoTime,
      GatewayMetrics metrics,
      Stage<Exchange> next) {
    this.source = source;
    this.budget = budget;
    this.outliers = outliers;
    this.nanoTime = nanoTime;
    this.metrics = metrics;
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    if (x.viaActivator()) {
      return Stage.call(next, x);
    }
    budget.deposit();
    return attempt(x, 1, null); // the set of tried instances only once one failed
  }

  private Future<Void> attempt(Exchange x, int n, Set<Endpoint> tried) {
    return Stage.call(next, x).recover(failure -> retryOrFail(x, n, tried, failure));
  }

  private Future<Void> retryOrFail(Exchange x, int n, Set<Endpoint> known, Throwable failure) {
    String reason = reason(x, failure);
    if (reason == null) {
      return Future.failedFuture(failure);
    }
    Set<Endpoint> tried = known != null ? known : new HashSet<>();
    Endpoint failed = x.endpoint();
    if (failed != null) {
      tried.add(failed);
      outliers.eject(failed, nanoTime.getAsLong());
    }
    if (n >= MAX_ATTEMPTS || x.cancelled() || x.response().headWritten()) {
      return Future.failedFuture(failure);
    }
    List<Endpoint> others = untried(source.ready(x.route().namespace(), x.revision()), tried);
    if (others.isEmpty() || !budget.tryWithdraw()) {
      return Future.failedFuture(failure);
    }
    metrics.retried(reason);
    x.upstreamHeaders().clear(); // set again for the next instance
    x.endpoints(others);
    return attempt(x, n + 1, tried);
  }

  /**
   * The ready instances not tried yet: those on hosts not tried yet if there are any, else the
   * others.
   */
  static List<Endpoint> untried(List<Endpoint> ready, Set<Endpoint> tried) {
    Set<String> triedHosts = new HashSet<>();
    tried.forEach(e -> triedHosts.add(e.host()));
    List<Endpoint> elsewhere = new ArrayList<>();
    List<Endpoint> sameHosts = new ArrayList<>();
    for (Endpoint e : ready == null ? List.<Endpoint>of() : ready) {
      if (!tried.contains(e)) {
        (triedHosts.contains(e.host()) ? sameHosts : elsewhere).add(e);
      }
    }
    return elsewhere.isEmpty() ? sameHosts : elsewhere;
  }

  /**
   * Why {@code failure} may be retried elsewhere ({@code connect}, {@code no_response}); or null.
   */
  static String reason(Exchange x, Throwable failure) {
    if (failure instanceof NothingSentException) {
      return "connect";
    }
    if (failure instanceof NoResponseException && replayable(x.request())) {
      return "no_response";
    }
    return null;
  }

  /**
   * A request that provably has no body and whose method is idempotent or that carries an
   * Idempotency-Key, so it can be sent again as it was ({@link Replayable}, the rule the proxy's
   * own retry of a stale kept-alive connection follows too).
   */
  static boolean replayable(HttpServerRequest request) {
    return Replayable.request(request);
  }
}
