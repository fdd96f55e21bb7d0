package dev.skiff.node.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.node.Fixtures;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ResourceFeedTest {
  /** What the listener heard: the revisions it was told are active, and how often. */
  private final Set<String> heardActive = new TreeSet<>();

  private final List<String> calls = new ArrayList<>();

  private final ResourceFeed feed =
      new ResourceFeed(
          new ResourceFeed.Listener() {
            @Override
            public void activated(RevisionInstances r) {
              calls.add("activated " + r.name());
              heardActive.add("default/" + r.name());
            }

            @Override
            public void retiring(RevisionInstances r) {
              calls.add("retiring " + r.name());
            }

            @Override
            public void deactivated(String namespace, String revision, RevisionInstances r) {
              calls.add("deactivated " + revision);
              heardActive.remove(namespace + "/" + revision);
            }

            @Override
            public void deleted(RevisionInstances r) {
              calls.add("deleted " + r.name());
            }

            @Override
            public void redeployed(Collection<RevisionInstances> revisionsOfService) {}
          },
          new RevisionMeters(new SimpleMeterRegistry()));

  private static Service service(String name, String latest, List<TrafficTarget> traffic) {
    return Service.of(ObjectMeta.of("default", name), new ServiceSpec(null, List.of()))
        .withStatus(new ServiceStatus(1L, latest, null, null, traffic, List.of()));
  }

  @Test
  void activatesARevisionOnceBothItAndTheServiceRoutingItAreKnown() {
    Revision r = Fixtures.revision("a", 1);
    feed.apply(Fixtures.put(service("a", r.metadata().name(), List.of())));
    assertNull(feed.active("default", r.metadata().name()));
    feed.apply(Fixtures.put(r));
    assertNotNull(feed.active("default", r.metadata().name()));
    feed.apply(Fixtures.put(r)); // a status write of the revision: nothing new to say
    assertEquals(List.of("activated " + r.metadata().name()), calls);
  }

  @Test
  void anotherServicesChangeLeavesARevisionAlone() {
    Revision a = Fixtures.revision("a", 1);
    Revision b = Fixtures.revision("b", 1);
    feed.apply(Fixtures.put(a));
    feed.apply(Fixtures.put(b));
    feed.apply(Fixtures.put(service("a", a.metadata().name(), List.of())));
    feed.apply(Fixtures.put(service("b", b.metadata().name(), List.of())));
    calls.clear();
    feed.apply(Fixtures.delete(service("b", b.metadata().name(), List.of())));
    assertEquals(List.of("deactivated " + b.metadata().name()), calls);
    assertNotNull(feed.active("default", a.metadata().name()));
  }

  @Test
  void aRevisionRoutedByTwoServicesStaysActiveUntilNeitherRoutesIt() {
    Revision shared = Fixtures.revision("a", 1);
    String name = shared.metadata().name();
    feed.apply(Fixtures.put(shared));
    feed.apply(Fixtures.put(service("a", name, List.of())));
    feed.apply(Fixtures.put(service("b", null, List.of(TrafficTarget.revision(name, 100)))));
    feed.apply(Fixtures.put(service("a", null, List.of())));
    assertNotNull(feed.active("default", name));
    feed.apply(Fixtures.put(service("b", null, List.of())));
    assertNull(feed.active("default", name));
  }

  /**
   * Random feeds of a few services and revisions: after every event the active revisions are those
   * the whole feed so far routes (nothing runs, so nothing retires), and the listener heard exactly
   * those.
   */
  @Test
  void activeRevisionsAreWhatTheWholeFeedRoutesAfterEveryEvent() {
    Random random = new Random(16);
    for (int round = 0; round < 200; round++) {
      ResourceFeedTest t = new ResourceFeedTest();
      Map<String, Service> services = new HashMap<>();
      Map<String, Revision> revisions = new HashMap<>();
      for (int step = 0; step < 40; step++) {
        String svc = "s" + random.nextInt(4);
        Revision rev = Fixtures.revision("s" + random.nextInt(4), 1 + random.nextInt(3));
        switch (random.nextInt(4)) {
          case 0 -> {
            Service s = randomService(random, svc);
            services.put(svc, s);
            t.feed.apply(Fixtures.put(s));
          }
          case 1 -> {
            Service gone = services.remove(svc);
            if (gone != null) {
              t.feed.apply(Fixtures.delete(gone));
            }
          }
          case 2 -> {
            revisions.put(rev.metadata().name(), rev);
            t.feed.apply(Fixtures.put(rev));
          }
          default -> {
            if (revisions.remove(rev.metadata().name()) != null) {
              t.feed.apply(Fixtures.delete(rev));
            }
          }
        }
        Set<String> expected = routed(services.values(), revisions.keySet());
        assertEquals(expected, t.heardActive, "round " + round + ", step " + step);
        for (String r : revisions.keySet()) {
          assertEquals(
              expected.contains("default/" + r),
              t.feed.active("default", r) != null,
              "round " + round + ", step " + step + ", " + r);
        }
      }
    }
  }

  private static Service randomService(Random random, String name) {
    List<TrafficTarget> traffic = new ArrayList<>();
    for (int i = random.nextInt(3); i > 0; i--) {
      String target =
          Fixtures.revision("s" + random.nextInt(4), 1 + random.nextInt(3)).metadata().name();
      TrafficTarget t = TrafficTarget.revision(target, random.nextInt(2) * 50);
      traffic.add(random.nextBoolean() ? t.withTag("t" + i) : t);
    }
    String latest =
        random.nextBoolean()
            ? Fixtures.revision(name, 1 + random.nextInt(3)).metadata().name()
            : null;
    return service(name, latest, traffic);
  }

  /** The definition, over the whole feed: what some service routes, of the known revisions. */
  private static Set<String> routed(Collection<Service> services, Set<String> revisions) {
    Set<String> out = new TreeSet<>();
    for (Service s : services) {
      Set<String> names = new HashSet<>();
      if (s.status().latestCreatedRevisionName() != null) {
        names.add(s.status().latestCreatedRevisionName());
      }
      for (TrafficTarget t : s.status().traffic()) {
        if (t.percentOrZero() > 0 || t.tag() != null) {
          names.add(t.revisionName());
        }
      }
      names.stream().filter(revisions::contains).forEach(n -> out.add("default/" + n));
    }
    return out;
  }
}
