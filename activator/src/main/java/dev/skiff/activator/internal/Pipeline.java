package dev.skiff.activator.internal;

import dev.skiff.proxy.MapErrors;
import dev.skiff.proxy.Stage;
import io.vertx.core.http.HttpClient;

/** Assembles the activator's request pipeline. The order of the stages is stated once, here. */
final class Pipeline {
  private Pipeline() {}

  static Stage<Exchange> assemble(
      ActivatorConfig config, Revisions revisions, ActivatorMetrics metrics, HttpClient client) {
    // Outermost first; each stage does one thing and then calls the next.
    //  1 MeasureRequest      requests by revision and outcome. Outermost, so it sees every outcome.
    //  2 MapErrors           the one place a failure becomes a status and a JSON body
    //                        (ActivatorErrors): 400 no revision, 503 + Retry-After queue full or
    //                        timed out while queued, 502 instance broke the exchange, 504 timed
    //                        out after forwarding. Records the outcome for MeasureRequest first.
    //  2b AuthorizeCaller   on a mutual-TLS listener: the caller's identity must be an allowed
    //                        one (the gateway's, eventing's), else 403.
    //  3 IdentifyRevision    Skiff-Revision-Namespace/-Name, X-Request-Id,
    //                        Skiff-Request-Timeout-Ms.
    //  4 TrackLoad           counts the request as the revision's load until it ends (queued plus
    //                        in flight) for the per-second stats; sets the revision up on first
    //                        sight, and has its meters registered once that request was queued or
    //                        sent on (RevisionMeters, on a thread of its own).
    //  5 LimitDuration       the request's own timeout over everything below, queueing included.
    //  6 SetUpstreamHeaders  end-to-end headers as the gateway sent them, minus the Skiff routing
    //                        headers; once, before queueing, so a re-queued request is not redone.
    //  7 Throttle            the revision's bounded FIFO: poke on the first cold request, wait for
    //                        a capacity slot, hold it to the end; back to the head when the
    //                        endpoint vanished before sending.
    //  8 ProxyToEndpoint     streams request and response over the pooled client (mutual TLS to
    //                        an endpoint that names an identity, which its certificate must
    //                        name: else 502, not re-queued, counted by reason); an instance this
    //                        process serves is handed its request in process (LocalEndpoints).
    Stage<Exchange> revision =
        new IdentifyRevision(
            config.proxy().requestTimeout(),
            new TrackLoad(
                revisions,
                new LimitDuration(
                    config.proxy().vertx(),
                    config.proxy().retryAfter(),
                    new SetUpstreamHeaders(
                        new Throttle(new ProxyToEndpoint(client, config, metrics))))));
    return new MeasureRequest(
        metrics,
        new MapErrors<>(
            ActivatorErrors.RESPONDER,
            (x, err) -> x.outcome(Outcome.of(err)),
            config.listenerTls() == null
                ? revision
                : new AuthorizeCaller(config.allowedCallers(), revision)));
  }
}
