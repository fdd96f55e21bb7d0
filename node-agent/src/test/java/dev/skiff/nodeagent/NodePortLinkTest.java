package dev.skiff.nodeagent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.node.v1.Capacity;
import dev.skiff.api.node.v1.NodeServiceGrpcClient;
import dev.skiff.api.node.v1.RegisterRequest;
import dev.skiff.controlplane.ControlPlane;
import dev.skiff.controlplane.EmbeddedStore;
import dev.skiff.nodeagent.internal.Calls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real control plane's node port (TLS 1.3, gRPC, embedded store) and real agents over loopback:
 * bootstrap with a token, registration, Ready, and every refusal with its message.
 */
class NodePortLinkTest {
  private static final String ADMIN = "skiff_test-admin-token";

  private final Vertx vertx = Vertx.vertx();
  private final HttpClient http = HttpClient.newHttpClient();
  private EmbeddedStore store;
  private ControlPlane cp;

  @BeforeEach
  void start(@TempDir Path dir) throws Exception {
    store = await(EmbeddedStore.builder().withDataDir(dir.resolve("store")).build().open());
    cp =
        await(
            ControlPlane.builder()
                .withVertx(vertx)
                .withStore(store)
                .withBlobDir(dir.resolve("blobs"))
                .withPort(0)
                .withAdminToken(ADMIN)
                .withNodePort("127.0.0.1", 0, Duration.ofSeconds(10))
                .build()
                .start());
  }

  @AfterEach
  void stop() throws Exception {
    await(cp.stop());
    await(store.close());
    await(vertx.close());
  }

  @Test
  void nodeWithValidTokenRegistersAndIsReady() throws Exception {
    JsonNode t = token("{}");
    RemoteNodeAgent agent = agent("n1", t.path("token").asText(), t.path("caBundle").asText());
    await(agent.start());
    JsonNode node = api("GET", "/v1/cluster/nodes/n1", null);
    assertTrue(node.path("ready").asBoolean(), node.toString());
    assertEquals(2000, node.path("capacity").path("cpuMillis").asLong());
    assertEquals("spiffe://skiff.local/skiff/node/n1", agent.credentials().id().uri());
    await(agent.stop());
  }

  @Test
  void wrongTokenIsRefusedWithTheReason() throws Exception {
    JsonNode t = token("{}");
    RemoteNodeAgent agent = agent("n1", "skiff_not-a-token", t.path("caBundle").asText());
    Throwable e = failure(agent.start());
    assertInstanceOf(RefusedException.class, e);
    assertTrue(e.getMessage().contains("bootstrap token is not valid"), e.getMessage());
  }

  @Test
  void tokenForAnotherNodeIsRefused() throws Exception {
    JsonNode t = token("{\"node\":\"n1\"}");
    RemoteNodeAgent agent = agent("n2", t.path("token").asText(), t.path("caBundle").asText());
    Throwable e = failure(agent.start());
    assertTrue(e.getMessage().contains("is for node 'n1', not 'n2'"), e.getMessage());
  }

  @Test
  void nodeCannotSpeakForAnotherNode() throws Exception {
    JsonNode t = token("{}");
    RemoteNodeAgent agent = agent("n1", t.path("token").asText(), t.path("caBundle").asText());
    await(agent.start());
    NodeCredentials c = agent.credentials();
    GrpcClient client = client(c.trustBundlePem(), c);
    Throwable e = failure(register(client, "n2"));
    assertEquals(GrpcStatus.PERMISSION_DENIED, Calls.statusOf(e));
    assertTrue(e.getMessage().contains("a node may only speak for itself"), e.getMessage());
    await(client.close());
    await(agent.stop());
  }

  @Test
  void callWithoutNodeCertificateIsRefused() throws Exception {
    JsonNode t = token("{}");
    GrpcClient client = client(t.path("caBundle").asText(), null);
    Throwable e = failure(register(client, "n1"));
    assertEquals(GrpcStatus.UNAUTHENTICATED, Calls.statusOf(e));
    assertTrue(e.getMessage().contains("bootstrap first"), e.getMessage());
    await(client.close());
  }

  @Test
  void nodeMayNotReadRevisionsModulesOrIdentitiesItIsNotAssigned() throws Exception {
    JsonNode t = token("{}");
    RemoteNodeAgent agent = agent("n1", t.path("token").asText(), t.path("caBundle").asText());
    await(agent.start());
    WorkCalls work = agent.work();

    Throwable revision = failure(work.revision("default", "hello-00001"));
    assertEquals(GrpcStatus.PERMISSION_DENIED, Calls.statusOf(revision));
    assertTrue(revision.getMessage().contains("is not assigned to node n1"), revision.getMessage());

    Throwable module = failure(work.module("sha256:" + "a".repeat(64), 1 << 20));
    assertEquals(GrpcStatus.PERMISSION_DENIED, Calls.statusOf(module));
    assertTrue(module.getMessage().contains("no revision assigned"), module.getMessage());

    var keys =
        dev.skiff.nodeagent.internal.NodeKeys.create(
            dev.skiff.api.mesh.SpiffeId.workload("skiff.local", "default", "hello"));
    Throwable sign =
        failure(work.signWorkload("default", "hello", keys.csrPem(), Duration.ofHours(1)));
    assertEquals(GrpcStatus.PERMISSION_DENIED, Calls.statusOf(sign));
    assertTrue(sign.getMessage().contains("may not hold its identity"), sign.getMessage());
    await(agent.stop());
  }

  private Future<?> register(GrpcClient client, String name) {
    return Calls.unary(
        client,
        SocketAddress.inetSocketAddress(cp.nodePort().actualPort(), "127.0.0.1"),
        "skiff.local",
        NodeServiceGrpcClient.Register,
        RegisterRequest.newBuilder()
            .setNodeName(name)
            .setCapacity(Capacity.newBuilder().setCpuMillis(1000).setMemoryBytes(1 << 30))
            .addAddresses("127.0.0.1")
            .build(),
        5000);
  }

  private GrpcClient client(String bundle, NodeCredentials c) {
    HttpClientOptions o =
        new HttpClientOptions()
            .setProtocolVersion(HttpVersion.HTTP_2)
            .setUseAlpn(true)
            .setSsl(true)
            .setVerifyHost(false)
            .setTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(bundle)));
    if (c != null) {
      o.setKeyCertOptions(
          new PemKeyCertOptions()
              .addCertValue(Buffer.buffer(c.chainPem()))
              .addKeyValue(Buffer.buffer(c.privateKeyPem())));
    }
    return GrpcClient.client(vertx, o);
  }

  private RemoteNodeAgent agent(String name, String token, String ca) {
    return RemoteNodeAgent.builder()
        .withVertx(vertx)
        .withControlPlane("127.0.0.1", cp.nodePort().actualPort())
        .withNodeName(name)
        .withControlPlaneCa(ca)
        .withBootstrapToken(token)
        .withCapacity(2000, 4L << 30)
        .build();
  }

  private JsonNode token(String body) throws Exception {
    return api("POST", "/v1/cluster/tokens", body);
  }

  private JsonNode api(String method, String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.actualPort() + path))
            .header("Authorization", "Bearer " + ADMIN)
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertTrue(r.statusCode() / 100 == 2, r.statusCode() + " " + r.body());
    return Json.mapper().readTree(r.body());
  }

  private static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static Throwable failure(Future<?> f) throws Exception {
    try {
      await(f);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure, got success");
  }
}
