package dev.skiff.meshproxy;

import static dev.skiff.proxy.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.meshproxy.internal.DnsMessage;
import dev.skiff.meshproxy.spi.CalleeEndpoints;
import dev.skiff.meshproxy.testing.TestCa;
import dev.skiff.routing.RouteTable;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One container instance's outbound side on loopback (the instance at 127.0.0.1, a stranger at
 * 127.0.0.2): names answered over real UDP, calls carried over real mTLS to a real sidecar as the
 * instance's service, and the edge checks of a listener facing hostile clients.
 */
class ContainerOutboundIT {
  private static final String TD = "skiff.local";
  private static final String DOMAIN = "localhost";

  private final Vertx vertx = Vertx.vertx();
  private final TestCa ca = TestCa.create("mesh");
  private final AtomicLong now = new AtomicLong(1_000_000_000_000L);
  private Sidecar callee;
  private MeshCaller mesh;
  private ContainerOutbound outbound;

  @BeforeEach
  void start() {
    IdentityProvider cart = identity("shop", "cart");
    callee =
        Sidecar.builder()
            .withVertx(vertx)
            .withSharedIdentity(cart)
            .withRevision(RevisionKey.of("shop", "cart-00001"))
            .withPolicy(AuthorizationPolicy.defaultFor(TD, "shop"))
            .withWorkload(
                req ->
                    req.body()
                        .onSuccess(
                            body ->
                                req.response()
                                    .putHeader(
                                        "seen-caller",
                                        String.valueOf(req.getHeader("x-forwarded-client-cert")))
                                    .end(
                                        "cart "
                                            + req.method()
                                            + " "
                                            + req.uri()
                                            + " "
                                            + body.toString())))
            .withMeterRegistry(new SimpleMeterRegistry())
            .withDrainGrace(Duration.ZERO)
            .build();
    await(callee.start("127.0.0.1", 0, 0));
    Callee instance = new Callee("127.0.0.1", callee.port(), cart.id().uri());
    TrafficTarget all = TrafficTarget.revision("cart-00001", 100).withTag("next");
    Service s =
        Service.of(
                ObjectMeta.of("shop", "cart"),
                new ServiceSpec(
                    new RevisionTemplate("r/fn:1", null, null, null, null, null, null, null),
                    List.of(all)))
            .withStatus(new ServiceStatus(1L, null, null, null, List.of(all), null));
    RouteTable table = RouteTable.build(List.of(s), DOMAIN, Duration.ofSeconds(30));
    mesh =
        MeshCaller.builder()
            .withVertx(vertx)
            .withRoutes(() -> table)
            .withDomain(DOMAIN)
            .withEndpoints(
                new CalleeEndpoints() {
                  @Override
                  public List<Callee> ready(String namespace, String revision) {
                    return List.of(instance);
                  }

                  @Override
                  public Future<List<Callee>> awaitReady(
                      String namespace, String revision, Duration timeout) {
                    return Future.succeededFuture(List.of(instance));
                  }
                })
            .build();
    IdentityProvider web = identity("shop", "web");
    outbound =
        await(
            ContainerOutbound.builder()
                .withVertx(vertx)
                .withMesh(mesh)
                .withIdentity(() -> Future.succeededFuture(web))
                .withLink("127.0.0.1", "127.0.0.1")
                .withPorts(0, 0)
                .withTimeout(Duration.ofSeconds(10))
                .withDnsQueriesPerSecond(10)
                .withNanoTime(now::get)
                .withMaxBodyBytes(64)
                .build()
                .start());
  }

  @AfterEach
  void stop() {
    await(outbound.close());
    mesh.close();
    await(callee.stop(Duration.ZERO));
    await(vertx.close());
  }

  private IdentityProvider identity(String ns, String svc) {
    IdentityProvider id =
        IdentityProvider.builder()
            .withVertx(vertx)
            .withIdentity(SpiffeId.workload(TD, ns, svc))
            .withIssuer(ca.issuer())
            .withTtl(Duration.ofHours(1))
            .build();
    await(id.start());
    return id;
  }

  @Test
  void aMeshNameResolvesToTheListenersAddressAndOthersDoNot() throws Exception {
    byte[] a = dns("127.0.0.1", DnsMessage.query(1, "cart.shop", DnsMessage.TYPE_A));
    assertEquals(DnsMessage.NOERROR, DnsMessage.rcode(a));
    assertEquals(1, DnsMessage.answers(a));
    assertEquals(
        List.of((byte) 127, (byte) 0, (byte) 0, (byte) 1),
        List.of(a[a.length - 4], a[a.length - 3], a[a.length - 2], a[a.length - 1]));
    for (String name : List.of("cart.shop.localhost", "next-cart.shop", "NEXT-cart.Shop.")) {
      byte[] other = dns("127.0.0.1", DnsMessage.query(2, name, DnsMessage.TYPE_A));
      assertEquals(1, DnsMessage.answers(other), name);
    }
    for (String name : List.of("nothere.shop", "example.com", "localhost")) {
      byte[] none = dns("127.0.0.1", DnsMessage.query(3, name, DnsMessage.TYPE_A));
      assertEquals(DnsMessage.NXDOMAIN, DnsMessage.rcode(none), name);
    }
  }

  @Test
  void aCallByNameGoesThroughTheMeshAsTheInstancesService() throws Exception {
    String r =
        http(
            "127.0.0.1",
            "POST /items?n=1 HTTP/1.1\r\nHost: cart.shop\r\nContent-Length: 5\r\n"
                + "Connection: close\r\n\r\nhello");

    assertTrue(r.startsWith("HTTP/1.1 200"), r);
    assertTrue(r.contains("cart POST /items?n=1 hello"), r);
    assertTrue(r.contains("spiffe://skiff.local/ns/shop/svc/web"), r);
  }

  @Test
  void theTagFormReachesItsRevision() throws Exception {
    String r =
        http("127.0.0.1", "GET /t HTTP/1.1\r\nHost: next-cart.shop\r\nConnection: close\r\n\r\n");

    assertTrue(r.startsWith("HTTP/1.1 200"), r);
    assertTrue(r.contains("cart GET /t"), r);
  }

  @Test
  void aHostOutsideTheMeshIsRefusedWith403() throws Exception {
    String r =
        http("127.0.0.1", "GET / HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n");

    assertTrue(r.startsWith("HTTP/1.1 403"), r);
    assertTrue(r.contains("example.com is not a service of the mesh"), r);
    assertTrue(r.contains("skiff-mesh-error: 403"), r);
  }

  @Test
  void ambiguousFramingIsRefusedAndTheConnectionClosed() throws Exception {
    String r =
        http(
            "127.0.0.1",
            "POST / HTTP/1.1\r\nHost: cart.shop\r\nContent-Length: 4\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: cart.shop\r\n\r\n");

    assertTrue(r.startsWith("HTTP/1.1 400"), r);
    assertTrue(!r.contains("smuggled"), r);
    assertEquals(1, r.split("HTTP/1.1 ", -1).length - 1, "one answer only: " + r);
  }

  @Test
  void aBodyOverTheLimitIs413() throws Exception {
    String body = "x".repeat(65);
    String declared =
        http(
            "127.0.0.1", "POST / HTTP/1.1\r\nHost: cart.shop\r\nContent-Length: 65\r\n\r\n" + body);
    String chunked =
        http(
            "127.0.0.1",
            "POST / HTTP/1.1\r\nHost: cart.shop\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n"
                + body
                + "\r\n0\r\n\r\n");

    assertTrue(declared.startsWith("HTTP/1.1 413"), declared);
    assertTrue(chunked.startsWith("HTTP/1.1 413"), chunked);
  }

  @Test
  void anotherAddressIsServedNeitherNamesNorCalls() throws Exception {
    String r = http("127.0.0.2", "GET / HTTP/1.1\r\nHost: cart.shop\r\nConnection: close\r\n\r\n");
    assertTrue(r.startsWith("HTTP/1.1 400"), r);
    assertTrue(r.contains("serves 127.0.0.1 only"), r);
    assertEquals(null, dns("127.0.0.2", DnsMessage.query(1, "cart.shop", DnsMessage.TYPE_A)));
  }

  @Test
  void queriesBeyondTheRateAreDropped() throws Exception {
    int answered = 0;
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      s.setSoTimeout(500);
      byte[] q = DnsMessage.query(1, "cart.shop", DnsMessage.TYPE_A);
      for (int i = 0; i < 30; i++) {
        s.send(
            new DatagramPacket(
                q, q.length, InetAddress.getByName("127.0.0.1"), outbound.dnsPort()));
      }
      byte[] buf = new byte[512];
      try {
        while (true) {
          s.receive(new DatagramPacket(buf, buf.length));
          answered++;
        }
      } catch (SocketTimeoutException done) {
        // no more answers
      }
    }
    // The clock stands still: the bucket's depth and not one more.
    assertEquals(10, answered);
    assertEquals(20, outbound.droppedQueries());
  }

  /** One query from {@code from}; the answer, or null when none came within 2 s. */
  private byte[] dns(String from, byte[] query) throws IOException {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(from, 0))) {
      s.setSoTimeout(2000);
      s.send(
          new DatagramPacket(
              query, query.length, InetAddress.getByName("127.0.0.1"), outbound.dnsPort()));
      byte[] buf = new byte[512];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        s.receive(p);
      } catch (SocketTimeoutException e) {
        return null;
      }
      return Arrays.copyOf(buf, p.getLength());
    }
  }

  /** Sends {@code request} raw from {@code from} and reads until the listener closes (10 s). */
  private String http(String from, String request) throws IOException {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(from, 0));
      s.connect(new InetSocketAddress("127.0.0.1", outbound.httpPort()), 5000);
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[4096];
      try {
        for (int n; (n = in.read(buf)) > 0; ) {
          out.write(buf, 0, n);
        }
      } catch (SocketTimeoutException e) {
        // the connection stayed open: return what came
      }
      return out.toString(StandardCharsets.ISO_8859_1);
    }
  }
}
