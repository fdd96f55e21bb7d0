package dev.skiff.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.Condition;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionSpec;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.api.watch.ResourceEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LiveRoutesTest {
  private static final String HOST = "hello.default.localhost";
  private final LiveRoutes routes = new LiveRoutes("localhost", Duration.ofSeconds(300));

  @Test
  void putReplacesTheWholeTableAndDeleteRemovesTheService() {
    RouteTable empty = routes.current();
    routes.apply(event(ResourceEvent.Type.PUT, 10, hello("hello-00001")));
    RouteTable first = routes.current();

    routes.apply(event(ResourceEvent.Type.DELETE, 11, hello("hello-00001")));

    assertNull(empty.lookup(HOST));
    assertNotNull(first.lookup(HOST));
    assertNull(routes.current().lookup(HOST));
    assertNotNull(first.lookup(HOST), "a table, once published, never changes");
  }

  @Test
  void staleEventsDoNotUndoNewerOnes() {
    routes.apply(event(ResourceEvent.Type.PUT, 20, hello("hello-00002")));

    routes.apply(event(ResourceEvent.Type.PUT, 19, hello("hello-00001")));

    assertEquals(Map.of("hello-00002", 100), routes.current().lookup(HOST).split().weights());
  }

  @Test
  void deleteWithoutObjectUsesTheStoreKey() {
    routes.apply(event(ResourceEvent.Type.PUT, 1, hello("hello-00001")));

    routes.apply(
        new ResourceEvent(
            ResourceEvent.Type.DELETE, "Service", "/skiff/services/default/hello", 2, null));

    assertNull(routes.current().lookup(HOST));
  }

  @Test
  void otherKindsLeaveTheTableAlone() {
    RouteTable before = routes.current();
    Revision rev =
        Revision.of(
            ObjectMeta.of("default", "hello-00001"), new RevisionSpec("hello", 1, template()));

    routes.apply(
        new ResourceEvent(
            ResourceEvent.Type.PUT,
            Revision.KIND,
            "/skiff/revisions/default/hello-00001",
            3,
            Json.mapper().valueToTree(rev)));

    assertSame(before, routes.current());
  }

  @Test
  void aStatusWriteThatKeepsTheRoutesKeepsTheTable() {
    routes.apply(event(ResourceEvent.Type.PUT, 30, hello("hello-00001")));
    RouteTable before = routes.current();
    Service written = hello("hello-00001");
    written =
        written.withStatus(
            new ServiceStatus(
                2L,
                "hello-00001",
                "hello-00001",
                "http://" + HOST,
                written.status().traffic(),
                List.of(new Condition("Ready", "True", null, null, Instant.EPOCH))));

    routes.apply(event(ResourceEvent.Type.PUT, 31, written));

    assertSame(before, routes.current());
  }

  @Test
  void aNewTimeoutRebuildsTheTable() {
    routes.apply(event(ResourceEvent.Type.PUT, 40, hello("hello-00001")));
    Service slower =
        Service.of(
                ObjectMeta.of("default", "hello"),
                new ServiceSpec(
                    new RevisionTemplate("r/fn:1", null, null, null, null, 7, null, null),
                    List.of(TrafficTarget.revision("hello-00001", 100))))
            .withStatus(hello("hello-00001").status());

    routes.apply(event(ResourceEvent.Type.PUT, 41, slower));

    assertEquals(Duration.ofSeconds(7), routes.current().lookup(HOST).timeout());
  }

  @Test
  void deletingAnUnknownServiceKeepsTheTable() {
    routes.apply(event(ResourceEvent.Type.PUT, 50, hello("hello-00001")));
    RouteTable before = routes.current();

    routes.apply(
        new ResourceEvent(
            ResourceEvent.Type.DELETE, "Service", "/skiff/services/default/other", 51, null));

    assertSame(before, routes.current());
  }

  private static Service hello(String revision) {
    List<TrafficTarget> traffic = List.of(TrafficTarget.revision(revision, 100));
    return Service.of(ObjectMeta.of("default", "hello"), new ServiceSpec(template(), traffic))
        .withStatus(new ServiceStatus(1L, revision, revision, null, traffic, null));
  }

  private static RevisionTemplate template() {
    return new RevisionTemplate("r/fn:1", null, null, null, null, null, null, null);
  }

  private static ResourceEvent event(ResourceEvent.Type type, long revision, Service s) {
    return new ResourceEvent(
        type,
        Service.KIND,
        "/skiff/services/default/hello",
        revision,
        Json.mapper().valueToTree(s));
  }
}
