package dev.skiff.meshproxy.testing;

import static dev.skiff.proxy.testing.Await.await;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.meshproxy.IdentityProvider;
import dev.skiff.meshproxy.Sidecar;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * A sidecar for {@code spiffe://skiff.local/ns/shop/svc/cart} (revision shop/cart-00001) in front
 * of a plain Vert.x backend that answers 200 {@code backend ok} and echoes the {@code
 * X-Forwarded-Client-Cert} it got as {@code seen-client-cert}; {@code /slow} answers when the test
 * calls {@link #releaseSlow()}.
 */
public final class SidecarFixture implements AutoCloseable {
  public static final String TRUST_DOMAIN = "skiff.local";
  public static final SpiffeId SELF = SpiffeId.workload(TRUST_DOMAIN, "shop", "cart");
  public static final RevisionKey REVISION = RevisionKey.of("shop", "cart-00001");

  public final Vertx vertx = Vertx.vertx();
  public final TestCa ca = TestCa.create("mesh");
  public final ManualTicker ticker = new ManualTicker();
  public final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  public final HttpServer backend;
  public final IdentityProvider identity;
  public final Sidecar sidecar;
  private final java.util.Queue<io.vertx.core.http.HttpServerRequest> slow =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  public SidecarFixture(UnaryOperator<Sidecar.Builder> settings) {
    backend =
        await(
            vertx
                .createHttpServer()
                .requestHandler(
                    req -> {
                      if (req.path().equals("/slow")) {
                        slow.add(req);
                        return;
                      }
                      String xfcc = req.getHeader("x-forwarded-client-cert");
                      req.response()
                          .putHeader("seen-client-cert", xfcc == null ? "none" : xfcc)
                          .end("backend ok");
                    })
                .listen(0, "127.0.0.1"));
    identity =
        IdentityProvider.builder()
            .withVertx(vertx)
            .withIdentity(SELF)
            .withIssuer(ca.issuer())
            .withTtl(Duration.ofHours(1))
            .withTicker(ticker)
            .build();
    sidecar =
        settings
            .apply(
                Sidecar.builder()
                    .withVertx(vertx)
                    .withIdentity(identity)
                    .withRevision(REVISION)
                    .withWorkload("127.0.0.1", backend.actualPort())
                    .withMeterRegistry(registry))
            .build();
    await(sidecar.start("127.0.0.1", 0));
  }

  public SidecarFixture() {
    this(b -> b);
  }

  /** Requests the backend holds at {@code /slow} now. */
  public int slowHeld() {
    return slow.size();
  }

  /**
   * Answers the requests held at {@code /slow} now, not those that arrive meanwhile: a queued
   * request the sidecar lets through once a held one is answered stays held.
   */
  public void releaseHeld() {
    for (int n = slow.size(); n > 0; n--) {
      io.vertx.core.http.HttpServerRequest r = slow.poll();
      if (r == null) {
        return;
      }
      r.response().end("slow ok");
    }
  }

  /** Answers every request held at {@code /slow}. */
  public void releaseSlow() {
    io.vertx.core.http.HttpServerRequest r;
    while ((r = slow.poll()) != null) {
      var req = r;
      req.response().end("slow ok");
    }
  }

  /** The refusal counter for {@code reason}, e.g. {@code unknown_ca}. */
  public double refusals(String reason) {
    Counter c = registry.find("skiff.sidecar.refusals").tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  /** Requests answered with {@code code}. */
  public double requests(int code) {
    Counter c =
        registry.find("skiff.sidecar.requests").tag("code", Integer.toString(code)).counter();
    return c == null ? 0 : c.count();
  }

  @Override
  public void close() {
    await(sidecar.stop().eventually(() -> vertx.close()));
  }
}
