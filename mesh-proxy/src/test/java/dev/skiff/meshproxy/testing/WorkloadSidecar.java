package dev.skiff.meshproxy.testing;

import static dev.skiff.proxy.testing.Await.await;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.meshproxy.IdentityProvider;
import dev.skiff.meshproxy.Sidecar;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real mesh-proxy {@link Sidecar} (STRICT mTLS, the default policy) with identity {@code id} from
 * {@code ca}, in front of a plain backend that counts the requests reaching it, answers {@code
 * workload ok} and records the {@code X-Forwarded-Client-Cert} it got.
 */
public final class WorkloadSidecar implements AutoCloseable {
  public final SpiffeId id;
  public final HttpServer workload;
  public final Sidecar sidecar;

  /** How many requests reached the workload. */
  public final AtomicInteger seen = new AtomicInteger();

  /** The {@code X-Forwarded-Client-Cert} of each request that reached the workload. */
  public final Queue<String> callers = new ConcurrentLinkedQueue<>();

  public WorkloadSidecar(Vertx vertx, TestCa ca, SpiffeId id) {
    this.id = id;
    workload =
        await(
            vertx
                .createHttpServer()
                .requestHandler(
                    req -> {
                      seen.incrementAndGet();
                      String xfcc = req.getHeader("x-forwarded-client-cert");
                      callers.add(xfcc == null ? "none" : xfcc);
                      req.response().end("workload ok");
                    })
                .listen(0, "127.0.0.1"));
    sidecar =
        Sidecar.builder()
            .withVertx(vertx)
            .withIdentity(
                IdentityProvider.builder()
                    .withVertx(vertx)
                    .withIdentity(id)
                    .withIssuer(ca.issuer())
                    .withTtl(Duration.ofHours(1))
                    .build())
            .withRevision(RevisionKey.of(id.namespace(), id.service() + "-00001"))
            .withWorkload("127.0.0.1", workload.actualPort())
            .withMeterRegistry(new SimpleMeterRegistry())
            .withDrainGrace(Duration.ofSeconds(1)) // tests stop it once their requests are done
            .build();
    await(sidecar.start("127.0.0.1", 0));
  }

  /** The sidecar's TLS port on 127.0.0.1. */
  public int port() {
    return sidecar.port();
  }

  @Override
  public void close() {
    await(sidecar.stop().eventually(() -> workload.close()));
  }
}
