package dev.skiff.meshproxy;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.testing.ExternalClient;
import dev.skiff.meshproxy.testing.SidecarFixture;
import dev.skiff.meshproxy.testing.TestCa;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificate renewal on a live sidecar: a pool of keep-alive mTLS connections keeps sending
 * requests while the test's ticker makes the sidecar renew its certificate again and again; no
 * request may fail, and every new connection must see the newest certificate.
 */
class CertificateRenewalIT {
  private static final int CONNECTIONS = 16;
  private static final int RENEWALS = 5;

  @TempDir Path dir;
  private SidecarFixture f;
  private HttpClientAgent pool;

  @BeforeEach
  void start() {
    f = new SidecarFixture();
  }

  @AfterEach
  void stop() {
    if (pool != null) {
      await(pool.close());
    }
    f.close();
  }

  @Test
  void renewsUnderLoadWithoutFailingARequest() throws Exception {
    Path id = f.ca.writeIdentity(dir, SpiffeId.component(SidecarFixture.TRUST_DOMAIN, "gateway"));
    pool = client(id, CONNECTIONS);
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong ok = new AtomicLong();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    for (int i = 0; i < CONNECTIONS; i++) {
      loop(running, ok, failures);
    }
    eventually("the load is flowing", () -> ok.get() > 100);

    for (int i = 1; i <= RENEWALS; i++) {
      long before = f.identity.renewals();
      long servedBefore = ok.get();
      f.ticker.fire();
      eventually("renewal " + i + " is done", () -> f.identity.renewals() == before + 1);
      String newest = f.ca.issuedSerials().get(f.ca.issuedSerials().size() - 1);
      assertEquals(newest, servedSerial(id), "a new connection gets the renewed certificate");
      eventually("requests keep flowing after renewal", () -> ok.get() > servedBefore + 100);
    }
    running.set(false);
    System.out.printf(
        "renewal under load: %d requests over %d connections, %d renewals, %d failed%n",
        ok.get(), CONNECTIONS, RENEWALS, failures.size());

    assertEquals(List.of(), List.copyOf(failures));
    assertEquals(RENEWALS + 1, f.identity.renewals());
    eventually("every success is counted", () -> f.requests(200) >= ok.get());
  }

  @Test
  void acceptsCallersOfEitherRootOnceTheBundleHoldsTwo() throws Exception {
    TestCa next = TestCa.create("next");
    Path fromNext = next.writeIdentity(dir, SpiffeId.workload("skiff.local", "shop", "checkout"));
    Files.writeString(fromNext.resolve("ca.pem"), f.ca.trustBundlePem());
    String refused = curl(fromNext).output();
    assertTrue(
        !refused.contains("HTTP/"), "refused before the bundle has the second root: " + refused);

    f.ca.alsoTrust(next);
    await(f.identity.renewNow());

    String accepted = curl(fromNext).output();
    assertTrue(accepted.matches("(?s)HTTP/[0-9.]+ 200.*"), accepted);
    Path fromOld = f.ca.writeIdentity(dir, SpiffeId.workload("skiff.local", "shop", "checkout"));
    String old = curl(fromOld).output();
    assertTrue(old.matches("(?s)HTTP/[0-9.]+ 200.*"), old);
  }

  private void loop(AtomicBoolean running, AtomicLong ok, ConcurrentLinkedQueue<String> failures) {
    if (!running.get()) {
      return;
    }
    pool.request(HttpMethod.GET, f.sidecar.port(), "127.0.0.1", "/load")
        .compose(req -> req.send().compose(res -> res.body().map(b -> res.statusCode())))
        .onComplete(
            ar -> {
              if (ar.succeeded() && ar.result() == 200) {
                ok.incrementAndGet();
              } else {
                failures.add(ar.succeeded() ? "status " + ar.result() : ar.cause().toString());
              }
              loop(running, ok, failures);
            });
  }

  /** The serial (hex) of the certificate the sidecar shows a brand-new connection. */
  private String servedSerial(Path id) throws Exception {
    HttpClientAgent fresh = client(id, 1);
    try {
      Future<String> serial =
          fresh
              .request(HttpMethod.GET, f.sidecar.port(), "127.0.0.1", "/")
              .compose(
                  req ->
                      req.send()
                          .compose(
                              res -> {
                                try {
                                  X509Certificate leaf =
                                      (X509Certificate)
                                          res.request().connection().peerCertificates().get(0);
                                  BigInteger s = leaf.getSerialNumber();
                                  return res.body().map(b -> s.toString(16));
                                } catch (Exception e) {
                                  return Future.failedFuture(e);
                                }
                              }));
      return await(serial);
    } finally {
      await(fresh.close());
    }
  }

  private HttpClientAgent client(Path id, int connections) throws Exception {
    return f.vertx
        .httpClientBuilder()
        .with(TestCa.clientOptions(id).setKeepAlive(true))
        .with(new PoolOptions().setHttp1MaxSize(connections))
        .build();
  }

  private ExternalClient.Result curl(Path id) throws Exception {
    return ExternalClient.curl("https://127.0.0.1:" + f.sidecar.port() + "/")
        .flags("--tlsv1.3")
        .identity(id)
        .run();
  }
}
