package dev.skiff.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A real control plane on a free port over an embedded store in a temp directory, and a client. */
final class ApiFixture {
  /** The admin token every fixture's control plane takes; {@link #call} sends it. */
  static final String ADMIN_TOKEN = "skiff_test-admin-token";

  final Vertx vertx = Vertx.vertx();
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final Path dir;
  final EmbeddedStore store;
  final ControlPlane cp;
  final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  /** An answer: status, body (as JSON when it is JSON) and the Warning headers. */
  record Response(int status, String body, java.util.List<String> warnings) {
    Response(int status, String body) {
      this(status, body, java.util.List.of());
    }

    JsonNode json() {
      try {
        return Json.mapper().readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + body, e);
      }
    }

    /** The field paths in an error body's details. */
    java.util.List<String> fields() {
      java.util.List<String> out = new java.util.ArrayList<>();
      json().path("details").forEach(d -> out.add(d.path("field").asText()));
      return out;
    }
  }

  ApiFixture(Path dir) throws Exception {
    this(dir, ControlPlane.builder());
  }

  ApiFixture(Path dir, ControlPlane.Builder builder) throws Exception {
    this.dir = dir;
    this.store = await(EmbeddedStore.builder().withDataDir(dir.resolve("store")).build().open());
    this.cp =
        await(
            builder
                .withVertx(vertx)
                .withStore(store)
                .withBlobDir(dir.resolve("blobs"))
                .withMeterRegistry(registry)
                .withPort(0)
                .withAdminToken(ADMIN_TOKEN)
                .build()
                .start());
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + cp.actualPort() + path);
  }

  Response call(String method, String path) throws Exception {
    return call(method, path, (byte[]) null, "application/json");
  }

  Response call(String method, String path, String body) throws Exception {
    return call(method, path, body.getBytes(StandardCharsets.UTF_8), "application/json");
  }

  Response call(String method, String path, byte[] body, String contentType) throws Exception {
    // Status subresources are written by Skiff's components only: those calls go as the system.
    String token = path.endsWith("/status") ? cp.systemToken() : ADMIN_TOKEN;
    return call(
        method,
        path,
        body,
        java.util.Map.of("Content-Type", contentType, "Authorization", "Bearer " + token));
  }

  /** Sends exactly these headers (no token unless given). */
  Response call(String method, String path, byte[] body, java.util.Map<String, String> headers)
      throws Exception {
    HttpRequest.BodyPublisher pub =
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body);
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path));
    headers.forEach(b::header);
    HttpRequest req = b.method(method, pub).timeout(Duration.ofSeconds(30)).build();
    HttpResponse<String> resp = http.send(req, HttpResponse.BodyHandlers.ofString());
    return new Response(resp.statusCode(), resp.body(), resp.headers().allValues("Warning"));
  }

  long storeRevision() throws Exception {
    return await(store.revision());
  }

  void close() throws Exception {
    await(cp.stop());
    await(store.close());
    await(vertx.close());
  }
}
