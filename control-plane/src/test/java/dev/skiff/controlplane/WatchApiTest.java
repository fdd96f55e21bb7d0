package dev.skiff.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.Service;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.controlplane.spi.Watch;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The change feed, over HTTP and in-process. */
class WatchApiTest extends ApiTestCase {
  private void createService(String name, String image) throws Exception {
    var r =
        api.call(
            "PUT",
            "/v1/namespaces/default/services/" + name,
            "{\"kind\":\"Service\",\"spec\":{\"template\":{\"image\":\"" + image + "\"}}}");
    assertTrue(r.status() < 300, r.body());
  }

  /** Opens {@code GET path} and feeds its lines to a queue. */
  private BlockingQueue<String> stream(String path, List<Stream<String>> open) throws Exception {
    HttpResponse<Stream<String>> resp =
        api.http.send(
            HttpRequest.newBuilder(api.uri(path))
                .header("Authorization", "Bearer " + ApiFixture.ADMIN_TOKEN)
                .build(),
            HttpResponse.BodyHandlers.ofLines());
    assertEquals(200, resp.statusCode());
    assertEquals("application/x-ndjson", resp.headers().firstValue("Content-Type").orElse(""));
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    open.add(resp.body());
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
    return lines;
  }

  private static JsonNode next(BlockingQueue<String> lines) throws Exception {
    String line = lines.poll(10, TimeUnit.SECONDS);
    if (line == null) {
      throw new AssertionError("no event within 10 s");
    }
    return Json.mapper().readTree(line);
  }

  @Test
  void httpWatchStreamsChangesOfEveryKindInOrder() throws Exception {
    List<Stream<String>> open = new ArrayList<>();
    createService("before", "registry/before:1");
    long from = api.storeRevision();
    BlockingQueue<String> lines = stream("/v1/watch?fromRevision=" + from, open);
    createService("hello", "registry/hello:1");
    api.call(
        "PUT", "/v1/nodes/n1", "{\"kind\":\"Node\",\"spec\":{\"address\":\"127.0.0.1:7071\"}}");
    api.call("DELETE", "/v1/nodes/n1");

    JsonNode svc = next(lines);
    assertEquals("PUT", svc.path("type").asText());
    assertEquals("Service", svc.path("kind").asText());
    assertEquals("/skiff/services/default/hello", svc.path("key").asText());
    assertEquals(
        svc.path("revision").asLong(), svc.at("/object/metadata/resourceVersion").asLong());
    JsonNode rev = next(lines);
    assertEquals("Revision", rev.path("kind").asText());
    assertTrue(rev.path("revision").asLong() > svc.path("revision").asLong());
    assertEquals("Node", next(lines).path("kind").asText());
    JsonNode deleted = next(lines);
    assertEquals("DELETE", deleted.path("type").asText());
    assertEquals("n1", deleted.at("/object/metadata/name").asText());
    open.forEach(Stream::close);
  }

  @Test
  void watchFromZeroReplaysHistoryAndEventsBindToResources() throws Exception {
    createService("hello", "registry/hello:1");
    List<Stream<String>> open = new ArrayList<>();
    BlockingQueue<String> lines = stream("/v1/watch?fromRevision=0", open);
    ResourceEvent e = Json.mapper().treeToValue(next(lines), ResourceEvent.class);
    Service s = assertInstanceOf(Service.class, e.resource());
    assertEquals("hello", s.metadata().name());
    open.forEach(Stream::close);
  }

  @Test
  void compactedHistoryAnswers410() throws Exception {
    createService("hello", "registry/hello:1");
    createService("hello", "registry/hello:2");
    ApiFixture.await(api.store.compact());
    var r = api.call("GET", "/v1/watch?fromRevision=1");
    assertEquals(410, r.status(), r.body());
    assertTrue(r.json().path("hint").asText().contains("list"), r.body());
  }

  @Test
  void inProcessListThenWatchSeesEachChangeOnce() throws Exception {
    createService("a", "registry/a:1");
    Listing<Service> listing = ApiFixture.await(api.cp.services());
    assertEquals(1, listing.items().size());
    BlockingQueue<ResourceEvent> events = new LinkedBlockingQueue<>();
    Watch w = api.cp.watch(listing.revision(), events::add);
    ApiFixture.await(w.started());
    createService("b", "registry/b:1");
    ResourceEvent e = events.poll(10, TimeUnit.SECONDS);
    assertEquals("/skiff/services/default/b", e.key());
    assertEquals("Revision", events.poll(10, TimeUnit.SECONDS).kind());
    assertNull(events.poll(100, TimeUnit.MILLISECONDS));
    w.cancel();
    Watch old = api.cp.watch(0, events::add);
    ApiFixture.await(old.started());
    ApiFixture.await(api.store.compact());
    Watch gone = api.cp.watch(1, events::add);
    ExecutionException failed =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExecutionException.class, () -> ApiFixture.await(gone.started()));
    assertInstanceOf(CompactedException.class, failed.getCause());
    old.cancel();
  }
}
