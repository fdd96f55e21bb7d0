package dev.skiff.nodeagent;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.controlplane.ControlPlane;
import dev.skiff.controlplane.EmbeddedStore;
import dev.skiff.nodeagent.internal.NodeClients;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * A real control plane for the link tests: an embedded store, the REST API on a free port with an
 * admin token, and the node port (TLS 1.3, gRPC) on a free loopback port with a 10 s lease; plus
 * the calls the tests make against it (REST requests, bootstrap tokens, node agents). {@link
 * #close} stops it all.
 */
final class NodePortFixture {
  static final String ADMIN = "skiff_test-admin-token";
  static final String TRUST_DOMAIN = "skiff.local";

  private final Vertx vertx;
  private final HttpClient http = HttpClient.newHttpClient();
  private final EmbeddedStore store;
  private final ControlPlane cp;

  private NodePortFixture(Vertx vertx, EmbeddedStore store, ControlPlane cp) {
    this.vertx = vertx;
    this.store = store;
    this.cp = cp;
  }

  /** A control plane with the defaults above. */
  static NodePortFixture start(Path dir) throws Exception {
    return start(dir, b -> b);
  }

  /** A control plane with the defaults above and what {@code more} sets on its builder. */
  static NodePortFixture start(Path dir, UnaryOperator<ControlPlane.Builder> more)
      throws Exception {
    return start(dir, Duration.ofSeconds(10), more);
  }

  /** The same with a node lease of {@code lease}. */
  static NodePortFixture start(Path dir, Duration lease, UnaryOperator<ControlPlane.Builder> more)
      throws Exception {
    Vertx vertx = Vertx.vertx();
    EmbeddedStore store =
        await(EmbeddedStore.builder().withDataDir(dir.resolve("store")).build().open());
    ControlPlane cp =
        await(
            more.apply(
                    ControlPlane.builder()
                        .withVertx(vertx)
                        .withStore(store)
                        .withBlobDir(dir.resolve("blobs"))
                        .withPort(0)
                        .withAdminToken(ADMIN)
                        .withNodePort("127.0.0.1", 0, lease))
                .build()
                .start());
    return new NodePortFixture(vertx, store, cp);
  }

  Vertx vertx() {
    return vertx;
  }

  ControlPlane cp() {
    return cp;
  }

  /** The node port's address, for calls made without a link. */
  SocketAddress nodePort() {
    return SocketAddress.inetSocketAddress(cp.nodePort().actualPort(), "127.0.0.1");
  }

  /**
   * A REST call as the admin; fails unless it answers 2xx, else its body as JSON (an empty object
   * for none).
   */
  JsonNode api(String method, String path, String body) throws Exception {
    HttpResponse<String> r = send(method, path, body);
    assertTrue(r.statusCode() / 100 == 2, r.statusCode() + " " + r.body());
    return r.body().isEmpty() ? Json.mapper().createObjectNode() : Json.mapper().readTree(r.body());
  }

  /** A REST call as the admin, whatever it answers. */
  HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cp.actualPort() + path))
            .header("Authorization", "Bearer " + ADMIN)
            .header("Content-Type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A bootstrap token made with {@code body}: its {@code token} and the {@code caBundle}. */
  JsonNode token(String body) throws Exception {
    return api("POST", "/v1/cluster/tokens", body);
  }

  /** A node agent for this control plane, with 2 CPUs and 4 GiB unless the caller sets more. */
  RemoteNodeAgent.Builder agentBuilder(String name, String token, String ca) {
    return RemoteNodeAgent.builder()
        .withVertx(vertx)
        .withControlPlane("127.0.0.1", cp.nodePort().actualPort())
        .withNodeName(name)
        .withControlPlaneCa(ca)
        .withBootstrapToken(token)
        .withCapacity(2000, 4L << 30);
  }

  /**
   * A node agent of 1 CPU and 1 GiB that bootstraps with {@code token} (as {@link #token} answers
   * it): the node the edge and eventing tests set beside their links.
   */
  RemoteNodeAgent smallAgent(String name, JsonNode token) {
    return agentBuilder(name, token.path("token").asText(), token.path("caBundle").asText())
        .withCapacity(1000, 1L << 30)
        .build();
  }

  /** A gRPC client of the node port that presents {@code c}, with a 5 s connect timeout. */
  GrpcClient clientAs(NodeCredentials c) {
    return NodeClients.create(
        vertx, c.trustBundlePem(), c.chainPem(), c.privateKeyPem(), Duration.ofSeconds(5));
  }

  /** A node agent that bootstraps with {@code token} (as {@link #token} answers it). */
  RemoteNodeAgent agent(String name, JsonNode token) {
    return agentBuilder(name, token.path("token").asText(), token.path("caBundle").asText())
        .build();
  }

  /** Stops the control plane, closes the store and Vert.x. */
  void close() throws Exception {
    await(cp.stop());
    await(store.close());
    await(vertx.close());
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  static Throwable failure(Future<?> f) throws Exception {
    try {
      await(f);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("expected a failure, got success");
  }

  /** Waits up to 20 s for {@code condition}; fails showing {@code state}. */
  static void poll(Supplier<Boolean> condition, Object state) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not reached within 20 s: " + state);
      }
      Thread.sleep(10);
    }
  }
}
