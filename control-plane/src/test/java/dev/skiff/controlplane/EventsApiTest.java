package dev.skiff.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.controlplane.events.EventNote;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@code /v1/events}: what the control plane records of changes, listed and watched. */
class EventsApiTest extends ApiTestCase {
  private static final String REV = "/v1/namespaces/default/revisions/hello-00001/status";

  private void deploy(String image) throws Exception {
    var r =
        api.call(
            "PUT",
            "/v1/namespaces/default/services/hello",
            "{\"kind\":\"Service\",\"spec\":{\"template\":{\"image\":\"" + image + "\"}}}");
    assertTrue(r.status() < 300, r.body());
  }

  /** Polls {@code path} until an event with {@code reason} is listed; returns it. */
  private JsonNode awaitEvent(String path, String reason) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      var r = api.call("GET", path);
      assertEquals(200, r.status(), r.body());
      for (JsonNode e : r.json().get("items")) {
        if (reason.equals(e.get("reason").asText())) {
          return e;
        }
      }
      Thread.onSpinWait();
    }
    throw new AssertionError("no " + reason + " event at " + path + " within 10 s");
  }

  @Test
  void recordsRevisionCreatedReadyAndFailedWithTheConditionsReason() throws Exception {
    deploy("registry/hello:1");
    JsonNode created = awaitEvent("/v1/events?namespace=default&object=hello", "Created");
    assertEquals("default", created.get("namespace").asText());

    var status =
        api.call(
            "PUT",
            REV,
            "{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\",\"reason\":\"ImagePullFailed\","
                + "\"message\":\"manifest unknown\"}]}");
    assertEquals(200, status.status(), status.body());
    JsonNode failed =
        awaitEvent("/v1/namespaces/default/events?object=hello-00001", "ImagePullFailed");
    assertEquals("Warning", failed.get("type").asText());
    assertEquals("manifest unknown", failed.get("message").asText());
    assertEquals("Revision", failed.get("kind").asText());

    api.call("PUT", REV, "{\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\"}]}");
    awaitEvent("/v1/events", "RevisionReady");
  }

  @Test
  void recordsATrafficChangeAndCallsAMoveToAnOlderRevisionARollback() throws Exception {
    deploy("registry/hello:1");
    deploy("registry/hello:2");
    var moved =
        api.call(
            "PUT",
            "/v1/namespaces/default/services/hello/traffic",
            "{\"traffic\":[{\"revisionName\":\"hello-00001\",\"percent\":100}]}");
    assertEquals(200, moved.status(), moved.body());

    JsonNode rollback = awaitEvent("/v1/events?object=hello", "RolledBack");
    assertTrue(
        rollback.get("message").asText().startsWith("traffic hello-00001 100%"),
        rollback.toString());
  }

  @Test
  void watchStreamsTheKeptEventsThenNewOnes() throws Exception {
    api.cp
        .events()
        .record(
            EventNote.normal(
                "default", "Revision", "hello-00001", "hello", "ScaledUp", "to 1", "autoscaler"));
    List<Stream<String>> open = new ArrayList<>();
    HttpResponse<Stream<String>> resp =
        api.http.send(
            HttpRequest.newBuilder(api.uri("/v1/events?namespace=default&object=hello&watch=true"))
                .header("Authorization", "Bearer " + ApiFixture.ADMIN_TOKEN)
                .build(),
            HttpResponse.BodyHandlers.ofLines());
    assertEquals(200, resp.statusCode());
    open.add(resp.body());
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread t =
        new Thread(
            () -> {
              try {
                resp.body().forEach(lines::add);
              } catch (RuntimeException closed) {
                // the test closed the stream
              }
            });
    t.setDaemon(true);
    t.start();
    try {
      assertEquals("ScaledUp", reason(lines.poll(10, TimeUnit.SECONDS)));
      api.cp
          .events()
          .record(
              EventNote.normal("other", "Revision", "hello-00001", "hello", "Elsewhere", "x", "a"));
      api.cp
          .events()
          .record(
              EventNote.normal(
                  "default",
                  "Revision",
                  "hello-00001",
                  "hello",
                  "ScaledToZero",
                  "to 0",
                  "autoscaler"));
      assertEquals("ScaledToZero", reason(lines.poll(10, TimeUnit.SECONDS)));
    } finally {
      open.forEach(Stream::close);
    }
  }

  @Test
  void refusesAMalformedWatchParameter() throws Exception {
    var r = api.call("GET", "/v1/events?watch=yes");
    assertEquals(400, r.status());
    assertEquals("watch", r.fields().get(0));
  }

  @Test
  void needsATokenLikeTheRestOfTheApi() throws Exception {
    var r = api.call("GET", "/v1/events", null, java.util.Map.of());
    assertEquals(401, r.status());
  }

  private static String reason(String line) throws Exception {
    if (line == null) {
      throw new AssertionError("no event within 10 s");
    }
    return Json.mapper().readTree(line).get("reason").asText();
  }
}
