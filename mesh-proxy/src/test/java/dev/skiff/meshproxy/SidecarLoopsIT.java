package dev.skiff.meshproxy;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.testing.SidecarFixture;
import dev.skiff.meshproxy.testing.TestCa;
import dev.skiff.proxy.AcceptingLoops;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.VertxInternal;
import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sidecar's listener asked by a caller in its own JVM to accept on the caller's event loop too
 * ({@link AcceptingLoops}, what the gateway's own connections do on the socket path): connections
 * made from that loop can then be served on it, and what is served there is checked as on the
 * listener's first loop (client certificate, policy) and gets renewed certificates.
 */
class SidecarLoopsIT {
  /** Connections to try before concluding none is served on the asking loop. */
  private static final int TRIES = 16;

  @TempDir Path dir;
  private SidecarFixture f;
  private final List<HttpClientAgent> clients = new ArrayList<>();

  @BeforeEach
  void start() {
    f = new SidecarFixture();
  }

  @AfterEach
  void stop() {
    for (HttpClientAgent c : clients) {
      await(c.close());
    }
    f.close();
  }

  @Test
  void servesAConnectionOnTheEventLoopOfACallerInThisProcessThatAsked() throws Exception {
    HttpClientAgent gateway = client(SpiffeId.component(SidecarFixture.TRUST_DOMAIN, "gateway"));
    Context caller = otherLoopThanTheListeners(gateway);
    Thread callerThread = threadOf(caller);

    assertTrue(on(caller, () -> Future.succeededFuture(askHere(caller))), "the listener offers");
    Served served = servedOn(gateway, caller, callerThread);

    assertEquals(200, served.status(), "a request on it is answered: " + served.body());
    assertEquals("backend ok", served.body());
  }

  @Test
  void checksThePolicyOnConnectionsServedOnAnAddedLoop() throws Exception {
    HttpClientAgent gateway = client(SpiffeId.component(SidecarFixture.TRUST_DOMAIN, "gateway"));
    HttpClientAgent outsider =
        client(SpiffeId.workload(SidecarFixture.TRUST_DOMAIN, "billing", "ledger"));
    Context caller = otherLoopThanTheListeners(gateway);
    Thread callerThread = threadOf(caller);
    on(caller, () -> Future.succeededFuture(askHere(caller)));

    Served served = servedOn(outsider, caller, callerThread);

    assertEquals(403, served.status(), served.body());
    assertTrue(
        served.body().contains("spiffe://skiff.local/ns/billing/svc/ledger is not allowed"),
        served.body());
  }

  @Test
  void anAddedLoopHandsOutTheRenewedCertificate() throws Exception {
    HttpClientAgent gateway = client(SpiffeId.component(SidecarFixture.TRUST_DOMAIN, "gateway"));
    Context caller = otherLoopThanTheListeners(gateway);
    Thread callerThread = threadOf(caller);
    on(caller, () -> Future.succeededFuture(askHere(caller)));
    Served before = servedOn(gateway, caller, callerThread);

    await(f.identity.renewNow());
    String newest = f.ca.issuedSerials().get(f.ca.issuedSerials().size() - 1);
    assertNotEquals(newest, before.serial(), "renewal issued a new certificate");

    eventually(
        "a new connection served on the added loop shows the renewed certificate",
        () -> newest.equals(servedOn(gateway, caller, callerThread).serial()));
  }

  /** What one request on a connection served on the expected thread got. */
  private record Served(int status, String body, String serial) {}

  /**
   * Opens connections from {@code caller} until one is served on {@code expected}; sends one
   * request on it. The listener deals connections out in turn over the loops it accepts on.
   */
  private Served servedOn(HttpClientAgent client, Context caller, Thread expected) {
    for (int i = 0; i < TRIES; i++) {
      Served s = on(caller, () -> exchange(client, expected));
      if (s != null) {
        return s;
      }
    }
    fail("none of " + TRIES + " connections was served on " + expected.getName());
    return null;
  }

  /** One connection, one request; null when its accepted end is served on another thread. */
  private Future<Served> exchange(HttpClientAgent client, Thread expected) {
    return client
        .connect(
            new HttpConnectOptions()
                .setHost("127.0.0.1")
                .setPort(f.sidecar.port())
                .setProtocolVersion(HttpVersion.HTTP_1_1))
        .compose(
            conn ->
                conn.request(new RequestOptions().setMethod(HttpMethod.GET).setURI("/"))
                    .compose(req -> req.send())
                    .compose(res -> res.body().map(b -> served(conn, res.statusCode(), b)))
                    .eventually(conn::close)
                    .map(s -> isServedBy(conn, expected) ? s : null));
  }

  private static Served served(HttpClientConnection conn, int status, Object body) {
    try {
      X509Certificate leaf = (X509Certificate) conn.peerCertificates().get(0);
      BigInteger serial = leaf.getSerialNumber();
      return new Served(status, body.toString(), serial.toString(16));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean isServedBy(HttpClientConnection conn, Thread expected) {
    // The response came after the listener's connection handler recorded the connection.
    return AcceptingLoops.servingThread(conn.localAddress(), conn.remoteAddress()) == expected;
  }

  private boolean askHere(Context here) {
    return AcceptingLoops.askToServeHere(f.sidecar.port(), here);
  }

  /** A context on an event loop the listener does not accept on yet. */
  private Context otherLoopThanTheListeners(HttpClientAgent client) {
    Context probe = f.vertx.getOrCreateContext();
    Thread listeners =
        on(
            probe,
            () ->
                client
                    .connect(
                        new HttpConnectOptions().setHost("127.0.0.1").setPort(f.sidecar.port()))
                    .compose(
                        conn ->
                            conn.request(new RequestOptions().setURI("/"))
                                .compose(req -> req.send())
                                .compose(res -> res.body())
                                .map(
                                    b ->
                                        AcceptingLoops.servingThread(
                                            conn.localAddress(), conn.remoteAddress()))
                                .eventually(conn::close)));
    assertNotNull(listeners, "the listener records the connections it serves");
    for (int i = 0; i < 64; i++) {
      Context c = ((VertxInternal) f.vertx).createEventLoopContext();
      if (threadOf(c) != listeners) {
        return c;
      }
    }
    throw new IllegalStateException("Vert.x has one event loop: nothing to place");
  }

  private static Thread threadOf(Context c) {
    return on(c, () -> Future.succeededFuture(Thread.currentThread()));
  }

  private static <T> T on(Context c, java.util.function.Supplier<Future<T>> work) {
    Promise<T> p = Promise.promise();
    c.runOnContext(v -> work.get().onComplete(p));
    return await(p.future());
  }

  private HttpClientAgent client(SpiffeId id) throws Exception {
    HttpClientAgent c =
        f.vertx.httpClientBuilder().with(TestCa.clientOptions(f.ca.writeIdentity(dir, id))).build();
    clients.add(c);
    return c;
  }
}
