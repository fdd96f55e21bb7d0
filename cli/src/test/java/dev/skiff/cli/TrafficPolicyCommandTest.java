package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.TrafficPolicy;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code skiff traffic}'s policy flags and {@code describe}'s policy line, against the real API.
 */
class TrafficPolicyCommandTest extends CliTestCase {

  @Test
  void policyFlagsSetAnnotationsOnTheServiceAndMakeNoRevision() {
    ok("deploy", "hello", "--wasm", wasm);
    CliRunner.Result r =
        ok(
            "traffic",
            "hello",
            "--rollout",
            "30s",
            "--max-error-rate",
            "2.5",
            "--max-p99",
            "300ms",
            "--analysis-window",
            "20s",
            "--tag-header",
            "enabled");
    var annotations = controlPlane.service("default", "hello").metadata().annotations();
    assertEquals(
        Map.of(
            TrafficPolicy.ROLLOUT_DURATION, "30s",
            TrafficPolicy.MAX_ERROR_RATE, "2.5",
            TrafficPolicy.MAX_P99, "300ms",
            TrafficPolicy.ANALYSIS_WINDOW, "20s",
            TrafficPolicy.TAG_HEADER_ROUTING, "enabled"),
        annotations);
    assertEquals(
        "hello-00001",
        controlPlane.service("default", "hello").status().latestCreatedRevisionName());
    assertTrue(
        r.out()
            .contains(
                "Traffic policy: rollout 30s, max error rate 2.5 %, max p99 300ms, analysis window"
                    + " 20s, min requests 20, tag header on"),
        r.out());
    assertTrue(ok("describe", "hello").out().contains("Traffic policy: rollout 30s"));
  }

  @Test
  void aBadPolicyValueIsNamedByItsFlagAndNothingIsSent() {
    ok("deploy", "hello", "--wasm", wasm);
    CliRunner.Result r = cli.run("traffic", "hello", "--max-error-rate", "150");
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("--max-error-rate must be a percent from 0 to 100"), r.err());
    assertTrue(controlPlane.service("default", "hello").metadata().annotations().isEmpty());
  }
}
