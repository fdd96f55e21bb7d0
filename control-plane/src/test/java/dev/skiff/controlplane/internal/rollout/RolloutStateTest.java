package dev.skiff.controlplane.internal.rollout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.skiff.api.model.Condition;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionSpec;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Rollout;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficPolicy;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.controlplane.internal.resources.ServiceStatusResolver;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Rollouts as the status resolver carries them from one resolve to the next. */
class RolloutStateTest {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  final ServiceStatusResolver resolver = new ServiceStatusResolver("example.com");

  static Revision rev(int n) {
    RevisionStatus st =
        new RevisionStatus(
            null, null, null, List.of(new Condition("Ready", "True", null, null, T0)));
    return Revision.of(
            ObjectMeta.of("default", Revision.nameFor("hello", n)),
            new RevisionSpec("hello", n, image(n)))
        .withStatus(st);
  }

  static RevisionTemplate image(int n) {
    return new RevisionTemplate("registry/hello:" + n, null, null, null, null, null, null, null);
  }

  static Service svc(String rolloutDuration, List<TrafficTarget> traffic) {
    Map<String, String> annotations =
        rolloutDuration == null
            ? Map.of()
            : Map.of(TrafficPolicy.ROLLOUT_DURATION, rolloutDuration);
    return Service.of(
        new ObjectMeta("hello", "default", null, 1L, null, null, null, annotations),
        new ServiceSpec(image(2), traffic));
  }

  /** Revision 1 serves all, then revision 2 becomes ready at T0. */
  ServiceStatus startedAtT0(Service s) {
    ServiceStatus one = resolver.resolve(s, "hello-00001", List.of(rev(1)), null, T0);
    return resolver.resolve(s, "hello-00002", List.of(rev(1), rev(2)), one, T0);
  }

  @Test
  void aNewlyReadyRevisionStartsAtOnePercent() {
    ServiceStatus st = startedAtT0(svc("30s", List.of()));
    assertEquals(
        List.of(
            new TrafficTarget("hello-00001", true, 99, null),
            new TrafficTarget("hello-00002", true, 1, null)),
        st.traffic());
    Rollout r = st.rollout();
    assertEquals("hello-00001", r.from());
    assertEquals("hello-00002", r.to());
    assertEquals(Rollout.PROGRESSING, r.phase());
    assertEquals(T0, r.startedAt());
    assertEquals(T0.plusSeconds(1), r.nextStepAt());
    assertEquals(30L, r.durationSeconds());
  }

  @Test
  void theSplitMovesWithTimeAndEndsWithAllOnTheNewRevision() {
    Service s = svc("30s", List.of());
    ServiceStatus st = startedAtT0(s);
    st = resolver.resolve(s, "hello-00002", List.of(rev(1), rev(2)), st, T0.plusSeconds(15));
    assertEquals(1 + 99 * 15 / 30, st.rollout().percent());
    assertEquals(1 + 99 * 15 / 30, st.traffic().get(1).percent());
    assertEquals(100 - st.traffic().get(1).percent(), st.traffic().get(0).percent());
    st = resolver.resolve(s, "hello-00002", List.of(rev(1), rev(2)), st, T0.plusSeconds(31));
    assertEquals(List.of(new TrafficTarget("hello-00002", true, 100, null)), st.traffic());
    assertEquals(Rollout.SUCCEEDED, st.rollout().phase());
    assertEquals(T0.plusSeconds(30), st.rollout().finishedAt());
    assertNull(st.rollout().nextStepAt());
  }

  @Test
  void resolvingTwiceAtTheSameTimeChangesNothing() {
    Service s = svc("30s", List.of());
    ServiceStatus st = startedAtT0(s);
    ServiceStatus again =
        resolver.resolve(s, "hello-00002", List.of(rev(1), rev(2)), st, T0.plusMillis(500));
    assertEquals(st, again);
  }

  @Test
  void withoutARolloutDurationTheLatestTakesAllAtOnce() {
    ServiceStatus st = startedAtT0(svc(null, List.of()));
    assertEquals(List.of(new TrafficTarget("hello-00002", true, 100, null)), st.traffic());
    assertNull(st.rollout());
  }

  @Test
  void theFirstRevisionIsNotRolledOut() {
    ServiceStatus st =
        resolver.resolve(svc("30s", List.of()), "hello-00001", List.of(rev(1)), null, T0);
    assertNull(st.rollout());
    assertEquals(100, st.traffic().get(0).percent());
  }

  @Test
  void onlyTheLatestTargetsShareIsRolledOutAndItsTagFollowsTheNewRevision() {
    List<TrafficTarget> spec =
        List.of(TrafficTarget.revision("hello-00001", 50), TrafficTarget.latest(50).withTag("l"));
    Service s = svc("10s", spec);
    ServiceStatus one =
        resolver.resolve(s, "hello-00001", List.of(rev(1)), null, T0.minusSeconds(5));
    ServiceStatus st = resolver.resolve(s, "hello-00002", List.of(rev(1), rev(2)), one, T0);
    assertEquals(
        List.of(
            new TrafficTarget("hello-00001", null, 50, null),
            new TrafficTarget("hello-00001", true, 49, null),
            new TrafficTarget("hello-00002", true, 1, "l")),
        st.traffic());
  }

  @Test
  void aRolledBackRolloutKeepsTheLatestTargetsOnThePreviousRevision() {
    Service s = svc("30s", List.of());
    ServiceStatus st = startedAtT0(s);
    ServiceStatus back =
        st.withRollout(st.rollout().rolledBack("ErrorRateExceeded", "too many", T0.plusSeconds(2)));
    st = resolver.resolve(s, "hello-00002", List.of(rev(1), rev(2)), back, T0.plusSeconds(3));
    assertEquals(List.of(new TrafficTarget("hello-00001", true, 100, null)), st.traffic());
    assertEquals(Rollout.ROLLED_BACK, st.rollout().phase());
    assertEquals("ErrorRateExceeded", st.rollout().reason());
    // A newer revision rolls out from the one that serves.
    ServiceStatus three =
        resolver.resolve(s, "hello-00003", List.of(rev(1), rev(2), rev(3)), st, T0.plusSeconds(60));
    assertEquals("hello-00001", three.rollout().from());
    assertEquals("hello-00003", three.rollout().to());
    assertEquals(Rollout.PROGRESSING, three.rollout().phase());
  }
}
