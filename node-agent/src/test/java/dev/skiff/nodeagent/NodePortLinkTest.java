package dev.skiff.nodeagent;

import static dev.skiff.nodeagent.NodePortFixture.await;
import static dev.skiff.nodeagent.NodePortFixture.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.node.v1.Capacity;
import dev.skiff.api.node.v1.NodeServiceGrpcClient;
import dev.skiff.api.node.v1.RegisterRequest;
import dev.skiff.nodeagent.internal.Calls;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.GrpcStatus;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real control plane's node port (TLS 1.3, gRPC, embedded store) and real agents over loopback:
 * bootstrap with a token, registration, Ready, and every refusal with its message.
 */
class NodePortLinkTest {
  private NodePortFixture fx;

  @BeforeEach
  void start(@TempDir Path dir) throws Exception {
    fx = NodePortFixture.start(dir);
  }

  @AfterEach
  void stop() throws Exception {
    fx.close();
  }

  @Test
  void nodeWithValidTokenRegistersAndIsReady() throws Exception {
    JsonNode t = fx.token("{}");
    RemoteNodeAgent agent = fx.agent("n1", t);
    await(agent.start());
    JsonNode node = fx.api("GET", "/v1/cluster/nodes/n1", null);
    assertTrue(node.path("ready").asBoolean(), node.toString());
    assertEquals(2000, node.path("capacity").path("cpuMillis").asLong());
    assertEquals("spiffe://skiff.local/skiff/node/n1", agent.credentials().id().uri());
    await(agent.stop());
  }

  @Test
  void wrongTokenIsRefusedWithTheReason() throws Exception {
    JsonNode t = fx.token("{}");
    RemoteNodeAgent agent =
        fx.agentBuilder("n1", "skiff_not-a-token", t.path("caBundle").asText()).build();
    Throwable e = failure(agent.start());
    assertInstanceOf(RefusedException.class, e);
    assertTrue(e.getMessage().contains("bootstrap token is not valid"), e.getMessage());
  }

  @Test
  void tokenForAnotherNodeIsRefused() throws Exception {
    JsonNode t = fx.token("{\"node\":\"n1\"}");
    RemoteNodeAgent agent = fx.agent("n2", t);
    Throwable e = failure(agent.start());
    assertTrue(e.getMessage().contains("is for node 'n1', not 'n2'"), e.getMessage());
  }

  @Test
  void nodeCannotSpeakForAnotherNode() throws Exception {
    JsonNode t = fx.token("{}");
    RemoteNodeAgent agent = fx.agent("n1", t);
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
    JsonNode t = fx.token("{}");
    GrpcClient client = client(t.path("caBundle").asText(), null);
    Throwable e = failure(register(client, "n1"));
    assertEquals(GrpcStatus.UNAUTHENTICATED, Calls.statusOf(e));
    assertTrue(e.getMessage().contains("bootstrap first"), e.getMessage());
    await(client.close());
  }

  @Test
  void nodeMayNotReadRevisionsModulesOrIdentitiesItIsNotAssigned() throws Exception {
    JsonNode t = fx.token("{}");
    RemoteNodeAgent agent = fx.agent("n1", t);
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
        fx.nodePort(),
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
    return GrpcClient.client(fx.vertx(), o);
  }
}
