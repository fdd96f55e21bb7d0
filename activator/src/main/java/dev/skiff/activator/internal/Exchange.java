package dev.skiff.activator.internal;

import dev.skiff.api.stats.RevisionKey;
import dev.skiff.proxy.ProxyExchange;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;

/**
 * One request passing through the activator: the proxied exchange plus what the activator's stages
 * decided so far (revision, timeout, capacity slot, outcome). Confined to the request's event loop.
 */
final class Exchange extends ProxyExchange {
  private Outcome outcome = Outcome.FORWARDED;

  private RevisionKey revision;
  private Duration timeout;
  private RevisionState state;
  private EndpointSlot slot;
  private boolean sent;
  private final long arrived = System.nanoTime();
  private ColdTrace trace;

  Exchange(HttpServerRequest request, Context context) {
    super(request, context);
  }

  /** When the request reached the activator ({@link System#nanoTime}). */
  long arrived() {
    return arrived;
  }

  /** Where a request that waited in the queue spent its time; null unless it is traced. */
  ColdTrace trace() {
    return trace;
  }

  void trace(ColdTrace t) {
    this.trace = t;
  }

  Outcome outcome() {
    return outcome;
  }

  void outcome(Outcome o) {
    this.outcome = o;
  }

  RevisionKey revision() {
    return revision;
  }

  void revision(RevisionKey r) {
    this.revision = r;
  }

  Duration timeout() {
    return timeout;
  }

  void timeout(Duration t) {
    this.timeout = t;
  }

  /** The revision's queue, slots and counters; set once the request counts as load. */
  RevisionState state() {
    return state;
  }

  void state(RevisionState s) {
    this.state = s;
  }

  /** The capacity slot the request holds while forwarded; null while queued. */
  EndpointSlot slot() {
    return slot;
  }

  void slot(EndpointSlot s) {
    this.slot = s;
  }

  /** True once the request started going to an instance; from then on it is never re-sent. */
  boolean sent() {
    return sent;
  }

  void markSent() {
    this.sent = true;
  }
}
