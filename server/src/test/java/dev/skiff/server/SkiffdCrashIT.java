package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL of the real skiffd (the packaged jar, in its own process) during a burst of 1,000 writes:
 * after a restart every acknowledged write is there.
 */
class SkiffdCrashIT {
  @TempDir Path dir;

  @Test
  void losesNoAcknowledgedWriteWhenKilledDuringABurst() throws Exception {
    Path data = dir.resolve("data");
    int api = SkiffdProcess.freePort();
    Process skiffd = launch(data, api);
    assertTrue(
        startOutput.stream().anyMatch(l -> l.contains("created the admin token")),
        "the first start prints the new admin token: " + startOutput);
    Map<String, String> auth =
        Map.of(
            "Authorization",
            "Bearer " + Files.readString(data.resolve("admin.token")).trim(),
            "Content-Type",
            "application/json");
    Set<String> acked = ConcurrentHashMap.newKeySet();
    try (Http http = new Http(HttpVersion.HTTP_1_1)) {
      List<Future<Http.Response>> inFlight = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        String name = "svc-" + i;
        String body =
            "{\"metadata\":{\"name\":\""
                + name
                + "\"},\"spec\":{\"template\":"
                + "{\"image\":\"127.0.0.1:5000/app:"
                + i
                + "\"}}}";
        inFlight.add(
            http.sendAsync(
                    HttpMethod.PUT,
                    api,
                    "127.0.0.1",
                    "/v1/namespaces/default/services/" + name,
                    auth,
                    Buffer.buffer(body))
                .onSuccess(
                    r -> {
                      if (r.status() / 100 == 2) {
                        acked.add(name);
                      }
                    }));
        if (i == 400) {
          // Mid-burst, with writes in flight: no warning, no shutdown hook.
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
          while (acked.size() < 200 && System.nanoTime() < deadline) {
            Thread.sleep(1);
          }
          skiffd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
          break;
        }
      }
      Future.join(inFlight)
          .toCompletionStage()
          .toCompletableFuture()
          .handle((v, e) -> null)
          .get(30, TimeUnit.SECONDS);
    }
    assertTrue(acked.size() >= 200, "acknowledged before the kill: " + acked.size());

    Process again = launch(data, api);
    assertTrue(
        startOutput.stream().noneMatch(l -> l.contains("skiff_")),
        "later starts do not print the token: " + startOutput);
    try (Http http = new Http(HttpVersion.HTTP_1_1)) {
      JsonNode list =
          Json.mapper()
              .readTree(
                  http.send(HttpMethod.GET, api, "127.0.0.1", "/v1/services", auth, null).text());
      Set<String> present = new HashSet<>();
      list.at("/items").forEach(s -> present.add(s.at("/metadata/name").asText()));
      Set<String> lost = new HashSet<>(acked);
      lost.removeAll(present);
      assertEquals(Set.of(), lost, "acknowledged but lost after SIGKILL");
      for (String name : present) {
        var r =
            http.send(
                HttpMethod.GET,
                api,
                "127.0.0.1",
                "/v1/namespaces/default/services/" + name,
                auth,
                null);
        JsonNode s = Json.mapper().readTree(r.text());
        assertEquals(
            name + "-00001",
            s.at("/status/latestCreatedRevisionName").asText(),
            () -> r.status() + " " + r.headers() + " [" + r.text() + "]");
      }
    } finally {
      again.destroy();
      again.waitFor(30, TimeUnit.SECONDS);
    }
  }

  /** What the last {@link #launch} printed before it was ready. */
  private final List<String> startOutput = new ArrayList<>();

  private Process launch(Path data, int api) throws Exception {
    startOutput.clear();
    return SkiffdProcess.launch(
        data, api, SkiffdProcess.freePort(), dir.resolve("cli-config"), startOutput);
  }
}
