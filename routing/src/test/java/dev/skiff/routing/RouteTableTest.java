package dev.skiff.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficTarget;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouteTableTest {
  private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(300);

  @Test
  void mapsServiceAndTagHostsToTheirTargets() {
    RouteTable t =
        RouteTable.build(
            List.of(
                service(
                    "default",
                    "hello",
                    null,
                    TrafficTarget.revision("hello-00001", 90).withTag("stable"),
                    TrafficTarget.revision("hello-00002", 10),
                    TrafficTarget.revision("hello-00003", 0).withTag("next"))),
            "example.com",
            DEFAULT_TIMEOUT);

    Route service = t.lookup("hello.default.example.com");
    assertEquals(Map.of("hello-00001", 90, "hello-00002", 10), service.split().weights());
    assertNull(service.tag());
    assertEquals(
        Map.of("hello-00003", 100), t.lookup("next-hello.default.example.com").split().weights());
    assertEquals("stable", t.lookup("stable-hello.default.example.com").tag());
    assertEquals(3, t.size());
  }

  @Test
  void serviceHostWinsOverACollidingTagHost() {
    RouteTable t =
        RouteTable.build(
            List.of(
                service(
                    "default",
                    "hello",
                    null,
                    TrafficTarget.revision("hello-00001", 100).withTag("canary")),
                service(
                    "default",
                    "canary-hello",
                    null,
                    TrafficTarget.revision("canary-hello-00001", 100))),
            "localhost",
            DEFAULT_TIMEOUT);

    Route r = t.lookup("canary-hello.default.localhost");
    assertEquals("canary-hello", r.service());
    assertNull(r.tag());
  }

  @Test
  void timeoutComesFromTheTemplateOrTheDefault() {
    RouteTable t =
        RouteTable.build(
            List.of(
                service("default", "quick", 7, TrafficTarget.revision("quick-00001", 100)),
                service("default", "plain", null, TrafficTarget.revision("plain-00001", 100))),
            "localhost",
            DEFAULT_TIMEOUT);

    assertEquals(Duration.ofSeconds(7), t.lookup("quick.default.localhost").timeout());
    assertEquals(DEFAULT_TIMEOUT, t.lookup("plain.default.localhost").timeout());
  }

  @Test
  void serviceWithoutResolvedTrafficRoutesToItsLatestReadyRevision() {
    Service s =
        Service.of(ObjectMeta.of("default", "fresh"), new ServiceSpec(template(null), List.of()))
            .withStatus(new ServiceStatus(1L, "fresh-00002", "fresh-00001", null, null, null));

    RouteTable t = RouteTable.build(List.of(s), "localhost", DEFAULT_TIMEOUT);

    assertEquals(Map.of("fresh-00001", 100), t.lookup("fresh.default.localhost").split().weights());
  }

  @Test
  void missOnAKnownServiceNamesItsTags() {
    RouteTable t =
        RouteTable.build(
            List.of(
                service(
                    "default",
                    "hello",
                    null,
                    TrafficTarget.revision("hello-00001", 100).withTag("blue"))),
            "localhost",
            DEFAULT_TIMEOUT);

    RouteMiss miss = t.explainMiss("green-hello.default.localhost");

    assertTrue(miss.hint().contains("has no tag 'green'"), miss.hint());
    assertTrue(miss.hint().contains("[blue]"), miss.hint());
  }

  @Test
  void missWithoutHostAsksForOne() {
    RouteMiss miss = RouteTable.empty("localhost").explainMiss(null);

    assertEquals("the request has no Host header", miss.problem());
  }

  @Test
  void knowsWhichNamespacesHaveServices() {
    RouteTable t =
        RouteTable.build(
            List.of(service("shop", "cart", null, TrafficTarget.revision("cart-00001", 100))),
            "localhost",
            DEFAULT_TIMEOUT);

    assertTrue(t.hasNamespace("shop"));
    assertTrue(!t.hasNamespace("com"));
  }

  private static Service service(
      String ns, String name, Integer timeout, TrafficTarget... traffic) {
    return Service.of(ObjectMeta.of(ns, name), new ServiceSpec(template(timeout), List.of(traffic)))
        .withStatus(new ServiceStatus(1L, null, null, null, List.of(traffic), null));
  }

  private static RevisionTemplate template(Integer timeout) {
    return new RevisionTemplate("r/fn:1", null, null, null, null, timeout, null, null);
  }
}
