package dev.skiff.gateway.internal;

import dev.skiff.gateway.AcmeChallenges;
import dev.skiff.gateway.TlsCertificates;
import dev.skiff.proxy.Stage;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import java.util.function.IntSupplier;

/**
 * What the gateway does for custom domains before routing: answers ACME HTTP-01 challenges itself
 * (before any redirect, so validation never follows one), sends plain HTTP to a mapped domain that
 * has a certificate to HTTPS with a 308 (method and body kept), adds the domain's HSTS header over
 * HTTPS, and has the request routed as its service's (or tag's) own host.
 */
final class ServeDomain implements Stage<Exchange> {
  private final LiveDomains domains;
  private final AcmeChallenges challenges;
  private final TlsCertificates certificates;
  private final IntSupplier httpsPort;
  private final Stage<Exchange> next;

  /**
   * @param challenges null when the gateway answers none
   * @param certificates null without an HTTPS listener (then nothing redirects)
   * @param httpsPort the port redirects name; 443 is left out of the URL
   */
  ServeDomain(
      LiveDomains domains,
      AcmeChallenges challenges,
      TlsCertificates certificates,
      IntSupplier httpsPort,
      Stage<Exchange> next) {
    this.domains = domains;
    this.challenges = challenges;
    this.certificates = certificates;
    this.httpsPort = httpsPort;
    this.next = next;
  }

  @Override
  public Future<Void> serve(Exchange x) {
    HttpServerRequest req = x.request();
    String path = req.path();
    if (challenges != null && path != null && path.startsWith(AcmeChallenges.PATH)) {
      String auth = challenges.keyAuthorization(path.substring(AcmeChallenges.PATH.length()));
      if (auth != null) {
        return answer(x, 200, "text/plain", auth, null);
      }
    }
    String host = RouteByHost.normalize(req.authority());
    LiveDomains.Domain d = domains.lookup(host);
    if (d == null) {
      return Stage.call(next, x);
    }
    boolean secure = req.isSSL();
    if (!secure && d.tls() && d.redirect() && certificates != null && certificates.covers(host)) {
      int port = httpsPort.getAsInt();
      String location =
          "https://" + host + (port == 443 || port <= 0 ? "" : ":" + port) + req.uri();
      return answer(x, 308, "text/plain", "", location);
    }
    if (secure && d.hsts() != null) {
      x.response().putHeader("strict-transport-security", d.hsts());
    }
    x.routeHost(d.routeHost());
    return Stage.call(next, x);
  }

  /** Answers without proxying; an unread body drains so the connection can carry on. */
  private static Future<Void> answer(
      Exchange x, int status, String type, String body, String location) {
    HttpServerRequest req = x.request();
    boolean h2 = req.version() == HttpVersion.HTTP_2;
    if (!h2) {
      req.resume();
    }
    HttpServerResponse res = x.response().setStatusCode(status).putHeader("content-type", type);
    if (location != null) {
      res.putHeader("location", location);
    }
    return res.end(body)
        .onComplete(
            ar -> {
              if (h2) {
                req.resume();
              }
            });
  }
}
