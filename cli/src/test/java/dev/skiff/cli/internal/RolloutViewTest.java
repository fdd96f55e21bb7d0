package dev.skiff.cli.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Rollout;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficPolicy;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutViewTest {
  static final Instant T0 = Instant.parse("2026-06-01T00:00:00Z");

  static Service service(Map<String, String> annotations, Rollout r) {
    return Service.of(
            new ObjectMeta("hello", "default", null, 1L, null, T0, null, annotations),
            new ServiceSpec(
                new RevisionTemplate("r/hello:2", null, null, null, null, null, null, null),
                List.of()))
        .withStatus(new ServiceStatus(1L, "hello-00002", "hello-00002", null, List.of(), null, r));
  }

  @Test
  void showsProgressAndTheNextStepWhileItRuns() {
    Rollout r =
        new Rollout(
            "hello-00001",
            "hello-00002",
            34,
            Rollout.PROGRESSING,
            T0,
            T0.plusSeconds(11),
            30L,
            null,
            null,
            null);
    String page =
        RolloutView.render(
            service(Map.of(TrafficPolicy.ROLLOUT_DURATION, "30s"), r), T0.plusSeconds(10));
    assertEquals(
        """

        Traffic policy: rollout 30s, max error rate 5 %, max p99 off, analysis window 10s,\
         min requests 20, tag header off
        Rollout:
          Phase:      Progressing
          From:       hello-00001
          To:         hello-00002
          Progress:   34 % of the latest traffic on hello-00002
          Next step:  in 1s
          Started:    10s ago
          Duration:   30s
        """,
        page);
  }

  @Test
  void saysWhyItWasRolledBack() {
    Rollout r =
        new Rollout(
                "hello-00001",
                "hello-00002",
                4,
                Rollout.PROGRESSING,
                T0,
                T0.plusSeconds(3),
                30L,
                null,
                null,
                null)
            .rolledBack("ErrorRateExceeded", "2 of 23 failed", T0.plusSeconds(3));
    String page = RolloutView.render(service(Map.of(), r), T0.plusSeconds(63));
    assertEquals(
        """

        Rollout:
          Phase:      RolledBack
          From:       hello-00001
          To:         hello-00002
          Started:    1m ago
          Duration:   30s
          Finished:   1m ago
          Reason:     ErrorRateExceeded
          Message:    2 of 23 failed
        """,
        page);
  }

  @Test
  void aServiceWithoutPolicyOrRolloutShowsNothing() {
    assertEquals("", RolloutView.render(service(Map.of(), null), T0));
  }
}
