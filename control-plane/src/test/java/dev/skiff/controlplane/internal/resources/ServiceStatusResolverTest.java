package dev.skiff.controlplane.internal.resources;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionSpec;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficTarget;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceStatusResolverTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Instant T1 = T0.plusSeconds(60);
  final ServiceStatusResolver resolver = new ServiceStatusResolver("example.com");

  static RevisionTemplate image(String tag) {
    return new RevisionTemplate("registry/hello:" + tag, null, null, null, null, null, null, null);
  }

  static Revision rev(int n, boolean ready) {
    RevisionStatus st =
        new RevisionStatus(
            null,
            null,
            null,
            List.of(new Condition("Ready", ready ? "True" : "Unknown", null, null, T0)));
    return Revision.of(
            ObjectMeta.of("default", Revision.nameFor("hello", n)),
            new RevisionSpec("hello", n, image("" + n)))
        .withStatus(st);
  }

  static Service svc(List<TrafficTarget> traffic) {
    return Service.of(
        ObjectMeta.of("default", "hello").withGeneration(3L), new ServiceSpec(image("3"), traffic));
  }

  @Test
  void latestRevisionFollowsTheNewestReadyOne() {
    ServiceStatus st =
        resolver.resolve(
            svc(List.of()),
            "hello-00003",
            List.of(rev(1, true), rev(2, true), rev(3, false)),
            null,
            T0);
    assertEquals("hello-00002", st.latestReadyRevisionName());
    assertEquals("hello-00003", st.latestCreatedRevisionName());
    assertEquals(List.of(new TrafficTarget("hello-00002", true, 100, null)), st.traffic());
    assertEquals("http://hello.default.example.com", st.url());
    assertEquals(3L, st.observedGeneration());
    assertEquals("True", st.conditions().get(0).status());
  }

  @Test
  void withNothingReadyTrafficGoesToTheLatestCreatedAndReadyIsUnknown() {
    ServiceStatus st =
        resolver.resolve(svc(List.of()), "hello-00001", List.of(rev(1, false)), null, T0);
    assertNull(st.latestReadyRevisionName());
    assertEquals("hello-00001", st.traffic().get(0).revisionName());
    assertEquals("Unknown", st.conditions().get(0).status());
    assertEquals("RevisionNotReady", st.conditions().get(0).reason());
  }

  @Test
  void tagsAndNamedTargetsAreKept() {
    var traffic =
        List.of(
            TrafficTarget.revision("hello-00001", 80), TrafficTarget.latest(20).withTag("canary"));
    ServiceStatus st =
        resolver.resolve(
            svc(traffic), "hello-00002", List.of(rev(1, true), rev(2, true)), null, T0);
    assertEquals(
        List.of(
            TrafficTarget.revision("hello-00001", 80),
            new TrafficTarget("hello-00002", true, 20, "canary")),
        st.traffic());
  }

  @Test
  void missingRevisionMakesTheServiceNotReady() {
    ServiceStatus st =
        resolver.resolve(
            svc(List.of(TrafficTarget.revision("hello-00009", 100))),
            "hello-00001",
            List.of(rev(1, true)),
            null,
            T0);
    assertEquals("False", st.conditions().get(0).status());
    assertEquals("RevisionMissing", st.conditions().get(0).reason());
  }

  @Test
  void transitionTimeMovesOnlyWhenTheConditionChanges() {
    var revs = List.of(rev(1, true));
    ServiceStatus first = resolver.resolve(svc(List.of()), "hello-00001", revs, null, T0);
    ServiceStatus again = resolver.resolve(svc(List.of()), "hello-00001", revs, first, T1);
    assertEquals(first, again, "recomputing an unchanged service changes nothing");
    ServiceStatus changed =
        resolver.resolve(svc(List.of()), "hello-00001", List.of(rev(1, false)), first, T1);
    assertEquals(T1, changed.conditions().get(0).lastTransitionTime());
  }
}
