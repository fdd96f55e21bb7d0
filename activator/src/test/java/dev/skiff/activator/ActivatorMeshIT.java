package dev.skiff.activator;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.activator.spi.Endpoint;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.gateway.Gateway;
import dev.skiff.meshproxy.ComponentIdentity;
import dev.skiff.meshproxy.testing.ExternalClient;
import dev.skiff.meshproxy.testing.TestCa;
import dev.skiff.meshproxy.testing.WorkloadSidecar;
import dev.skiff.testing.Prerequisites;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The activator in the mesh: its listener speaks mutual TLS only and lets in the gateway and
 * eventing alone, checked with curl, openssl s_client and a raw socket; it calls instances' real
 * sidecars over mutual TLS with its own identity; and a real gateway reaches it over mutual TLS.
 */
class ActivatorMeshIT {
  private static final String TD = "skiff.local";
  private static final String NS = "default";
  private static final SpiffeId GATEWAY = SpiffeId.component(TD, "gateway");
  private static final SpiffeId ACTIVATOR = SpiffeId.component(TD, "activator");
  private static final SpiffeId EVENTING = SpiffeId.component(TD, "eventing");
  private static final SpiffeId CART = SpiffeId.workload(TD, NS, "cart");

  @TempDir static Path dir;
  private static final Vertx vertx = Vertx.vertx();
  private static final TestCa ca = TestCa.create("mesh");
  private static final SharedEndpoints endpoints = new SharedEndpoints();
  private static final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private static ComponentIdentity activatorId;
  private static ComponentIdentity gatewayId;
  private static Activator activator;
  private static WorkloadSidecar cart;

  @BeforeAll
  static void start() {
    Prerequisites.require(
        Files.isExecutable(Path.of("/usr/bin/curl")), "curl", "apt-get install curl");
    Prerequisites.require(
        Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl", "apt-get install openssl");
    activatorId =
        ComponentIdentity.builder()
            .withVertx(vertx)
            .withIdentity(ACTIVATOR)
            .withIssuer(ca.issuer())
            .withMeterRegistry(registry)
            .build();
    await(activatorId.start());
    gatewayId = identity(GATEWAY);
    activator =
        Activator.builder()
            .withVertx(vertx)
            .withEndpointWatch(endpoints)
            .withPoker((ns, rev) -> {})
            .withStatsSink(stat -> {})
            .withMeterRegistry(registry)
            .withTicker(new ManualTicker())
            .withServerInstances(2)
            .withUpstreamTls(activatorId.upstreamTls())
            .withMutualTls(activatorId.listenerTls(), Set.of(GATEWAY.uri(), EVENTING.uri()))
            .build();
    await(activator.start("127.0.0.1", 0));
    cart = new WorkloadSidecar(vertx, ca, CART);
    endpoints.publish(NS, "cart-00001", 0, new Endpoint("127.0.0.1", cart.port(), CART.uri()));
  }

  private static ComponentIdentity identity(SpiffeId id) {
    ComponentIdentity c =
        ComponentIdentity.builder()
            .withVertx(vertx)
            .withIdentity(id)
            .withIssuer(ca.issuer())
            .build();
    await(c.start());
    return c;
  }

  @AfterAll
  static void stop() {
    if (activator != null) {
      await(activator.close());
    }
    if (cart != null) {
      cart.close();
    }
    await(vertx.close());
  }

  @Test
  void forwardsTheGatewaysRequestsToTheSidecarOverMutualTls() throws Exception {
    int before = cart.seen.get();

    ExternalClient.Result r = curl(ca.writeIdentity(dir, GATEWAY), "cart-00001");

    assertTrue(r.output().matches("(?s)HTTP/[0-9.]+ 200.*workload ok"), r.output());
    assertEquals(before + 1, cart.seen.get());
    assertTrue(cart.callers.contains("By=" + CART.uri() + ";URI=" + ACTIVATOR.uri()));
  }

  @Test
  void servesEventing() throws Exception {
    ExternalClient.Result r = curl(ca.writeIdentity(dir, EVENTING), "cart-00001");

    assertTrue(r.output().matches("(?s)HTTP/[0-9.]+ 200.*workload ok"), r.output());
  }

  @Test
  void refusesAWorkloadIdentityWith403NamingIt() throws Exception {
    SpiffeId stranger = SpiffeId.workload(TD, NS, "ledger");
    int before = cart.seen.get();

    ExternalClient.Result r = curl(ca.writeIdentity(dir, stranger), "cart-00001");

    assertTrue(r.output().matches("(?s)HTTP/[0-9.]+ 403.*"), r.output());
    JsonObject body = new JsonObject(r.output().substring(r.output().indexOf('{')));
    assertTrue(body.getString("error").contains(stranger.uri()), body.encode());
    assertTrue(body.getString("error").contains(GATEWAY.uri()), body.encode());
    assertEquals(before, cart.seen.get());
  }

  @Test
  void refusesAWorkloadIdentityEnteringInProcessWithTheSame403() {
    SpiffeId stranger = SpiffeId.workload(TD, NS, "ledger");
    int before = cart.seen.get();

    JsonObject body = inProcess(stranger, 403);

    assertTrue(body.getString("error").contains(stranger.uri()), body.encode());
    assertTrue(body.getString("error").contains(GATEWAY.uri()), body.encode());
    assertEquals(before, cart.seen.get());
    inProcess(null, 403); // no identity at all: refused too
    assertEquals(before, cart.seen.get());
  }

  @Test
  void servesTheGatewayEnteringInProcess() {
    int before = cart.seen.get();

    inProcess(GATEWAY, 200);

    assertEquals(before + 1, cart.seen.get());
  }

  /** One request for cart-00001 entered in process as {@code caller}; its status must be it. */
  private JsonObject inProcess(SpiffeId caller, int status) {
    InProcessFront front =
        InProcessFront.start(vertx, activator, caller == null ? null : caller.uri());
    HttpClientAgent client = vertx.createHttpClient();
    try {
      RequestOptions o =
          new RequestOptions()
              .setHost("127.0.0.1")
              .setPort(front.port())
              .setMethod(HttpMethod.GET)
              .setURI("/");
      o.putHeader(Activator.REVISION_NAMESPACE_HEADER, NS);
      o.putHeader(Activator.REVISION_NAME_HEADER, "cart-00001");
      var r =
          await(
              client
                  .request(o)
                  .compose(
                      req ->
                          req.send()
                              .compose(res -> res.body().map(b -> java.util.Map.entry(res, b)))));
      assertEquals(status, r.getKey().statusCode(), r.getValue().toString());
      return status == 200 ? new JsonObject() : r.getValue().toJsonObject();
    } finally {
      await(client.close());
      await(front.close());
    }
  }

  @Test
  void refusesAClientWithoutCertificateAtTheHandshake() throws Exception {
    Path bundle = Files.writeString(dir.resolve("bundle.pem"), ca.trustBundlePem());

    ExternalClient.Result r =
        ExternalClient.run(
            List.of(
                "openssl",
                "s_client",
                "-connect",
                "127.0.0.1:" + activator.actualPort(),
                "-tls1_3",
                "-CAfile",
                bundle.toString(),
                "-ign_eof"),
            "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");

    assertFalse(r.output().contains("HTTP/"), r.output());
    assertTrue(r.output().contains("alert"), r.output());
    eventually("the refusal is counted", () -> refusals("no_certificate") >= 1);
  }

  @Test
  void refusesAClientOfAForeignCaAtTheHandshake() throws Exception {
    Path foreign = TestCa.create("foreign").writeIdentity(dir, GATEWAY);
    Files.writeString(foreign.resolve("ca.pem"), ca.trustBundlePem());

    ExternalClient.Result r = curl(foreign, "cart-00001");

    assertFalse(r.output().contains("HTTP/"), r.output());
    eventually("the refusal is counted", () -> refusals("unknown_ca") >= 1);
  }

  @Test
  void resumesTheTlsSessionOfAReturningClient() throws Exception {
    Path id = ca.writeIdentity(dir, GATEWAY);
    Path session = dir.resolve("session-" + System.nanoTime() + ".pem");

    ExternalClient.Result first = sClient(id, "-sess_out", session);
    ExternalClient.Result second = sClient(id, "-sess_in", session);

    assertTrue(first.output().contains("HTTP/1.1 200"), first.output());
    assertTrue(second.output().contains("Reused, TLSv1.3"), second.output());
    assertTrue(second.output().contains("HTTP/1.1 200"), second.output());
  }

  private static ExternalClient.Result sClient(Path id, String sessionFlag, Path session)
      throws Exception {
    String chain = Files.readString(id.resolve("cert.pem"));
    String end = "-----END CERTIFICATE-----\n";
    Path intermediate =
        Files.writeString(
            id.resolve("intermediate.pem"), chain.substring(chain.indexOf(end) + end.length()));
    return ExternalClient.run(
        List.of(
            "openssl",
            "s_client",
            "-connect",
            "127.0.0.1:" + activator.actualPort(),
            "-tls1_3",
            "-CAfile",
            id.resolve("ca.pem").toString(),
            "-cert",
            id.resolve("cert.pem").toString(),
            "-key",
            id.resolve("key.pem").toString(),
            "-cert_chain", // -cert sends the leaf alone
            intermediate.toString(),
            sessionFlag,
            session.toString(),
            "-ign_eof"),
        "GET / HTTP/1.1\r\nHost: localhost\r\n"
            + Activator.REVISION_NAMESPACE_HEADER
            + ": default\r\n"
            + Activator.REVISION_NAME_HEADER
            + ": cart-00001\r\nConnection: close\r\n\r\n");
  }

  @Test
  void answersPlaintextWithNoHttp() throws Exception {
    String answer;
    try (Socket s = new Socket("127.0.0.1", activator.actualPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream()
          .write(
              ("GET / HTTP/1.1\r\nHost: localhost\r\n"
                      + Activator.REVISION_NAMESPACE_HEADER
                      + ": default\r\n"
                      + Activator.REVISION_NAME_HEADER
                      + ": cart-00001\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      answer = readUntilClosed(s.getInputStream());
    }

    assertFalse(answer.contains("HTTP/"), answer);
    eventually("the refusal is counted", () -> refusals("plaintext") >= 1);
  }

  private static double refusals(String reason) {
    Counter c =
        registry
            .find(ComponentIdentity.REFUSALS)
            .tags("identity", ACTIVATOR.uri(), "reason", reason)
            .counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void refusesAnInstancePresentingAnotherIdentityWith502() throws Exception {
    WorkloadSidecar ledger = new WorkloadSidecar(vertx, ca, SpiffeId.workload(TD, NS, "ledger"));
    try {
      endpoints.publish(NS, "odd-00001", 0, new Endpoint("127.0.0.1", ledger.port(), CART.uri()));

      ExternalClient.Result r = curl(ca.writeIdentity(dir, GATEWAY), "odd-00001");

      assertTrue(r.output().matches("(?s)HTTP/[0-9.]+ 502.*"), r.output());
      JsonObject body = new JsonObject(r.output().substring(r.output().indexOf('{')));
      assertTrue(
          body.getString("error").contains("expected identity " + CART.uri()), body.encode());
      assertTrue(
          body.getString("error").contains("actual identity " + ledger.id.uri()), body.encode());
      assertEquals(0, ledger.seen.get());
      Counter c =
          registry
              .find("skiff.activator.upstream.tls.failures")
              .tags("revision", "odd-00001", "reason", "identity_mismatch")
              .counter();
      assertEquals(1, c.count());
    } finally {
      ledger.close();
    }
  }

  @Test
  void theGatewayReachesTheActivatorOverMutualTls() {
    Gateway gateway =
        Gateway.builder()
            .withVertx(vertx)
            .withEndpoints(endpoints)
            .withActivator(
                new dev.skiff.gateway.spi.Endpoint(
                    "127.0.0.1", activator.actualPort(), ACTIVATOR.uri()),
                (ns, rev) -> true)
            .withUpstreamTls(gatewayId.upstreamTls())
            .build();
    await(gateway.start("127.0.0.1", 0));
    HttpClientAgent client = vertx.createHttpClient();
    try {
      deploy(gateway, "cart", "cart-00001");
      int before = cart.seen.get();
      List<Integer> statuses = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        statuses.add(
            await(
                client
                    .request(
                        new RequestOptions()
                            .setHost("cart." + NS + ".localhost")
                            .setServer(
                                io.vertx.core.net.SocketAddress.inetSocketAddress(
                                    gateway.actualPort(), "127.0.0.1"))
                            .setMethod(HttpMethod.GET)
                            .setURI("/through"))
                    .compose(req -> req.send().compose(res -> res.body().map(res.statusCode())))));
      }

      assertEquals(List.of(200, 200, 200, 200, 200), statuses);
      eventually("all reached the workload", () -> cart.seen.get() == before + 5);
    } finally {
      await(client.close());
      await(gateway.close());
    }
  }

  private static void deploy(Gateway gateway, String name, String revision) {
    RevisionTemplate template =
        new RevisionTemplate("127.0.0.1:5000/fn:1", null, null, null, null, null, null, null);
    List<TrafficTarget> traffic = List.of(TrafficTarget.revision(revision, 100));
    Service s =
        Service.of(ObjectMeta.of(NS, name), new ServiceSpec(template, traffic))
            .withStatus(new ServiceStatus(1L, revision, revision, null, traffic, null));
    gateway.onResourceEvent(
        new ResourceEvent(
            ResourceEvent.Type.PUT,
            Service.KIND,
            "/skiff/services/" + NS + "/" + name,
            1,
            Json.mapper().valueToTree(s)));
  }

  /** curl as the identity in {@code id}, sending the revision headers the gateway sends. */
  private static ExternalClient.Result curl(Path id, String revision) throws Exception {
    return ExternalClient.curl("https://127.0.0.1:" + activator.actualPort() + "/")
        .flags("--tlsv1.3")
        .identity(id)
        .header(Activator.REVISION_NAMESPACE_HEADER + ": " + NS)
        .header(Activator.REVISION_NAME_HEADER + ": " + revision)
        .run();
  }

  private static String readUntilClosed(InputStream in) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      out.write("<no answer within 5 s>".getBytes(StandardCharsets.US_ASCII));
    } catch (java.net.SocketException e) {
      out.write(("<" + e.getMessage() + ">").getBytes(StandardCharsets.US_ASCII));
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }
}
