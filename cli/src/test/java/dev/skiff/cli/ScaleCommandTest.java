package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.ScalingSettings;
import dev.skiff.api.model.Service;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code skiff scale} and the instance counts of list, revisions and describe, against the real
 * control plane in process.
 */
class ScaleCommandTest extends CliTestCase {
  private static final String URL = "http://hello.default.localhost";

  private long requests(String request) {
    return controlPlane.requests.stream().filter(request::equals).count();
  }

  @Test
  void scaleMakesANewRevisionWithTheSettingsAndSaysSo() {
    ok("deploy", "hello", "--wasm", wasm, "--env", "GREETING=hi");
    CliRunner.Result r = ok("scale", "hello", "--min", "1", "--target", "50.0", "--window", "30s");
    assertEquals(
        "Service hello scaled: new revision hello-00002 with min-scale 1, target 50, window 30s"
            + " ready at "
            + URL
            + "\n",
        r.out());
    var template = controlPlane.revision("hello-00002").spec().template();
    assertEquals(
        Map.of(
            ScalingSettings.MIN_SCALE, "1",
            ScalingSettings.TARGET, "50",
            ScalingSettings.WINDOW, "30s"),
        template.annotations());
    assertEquals("hi", template.env().get("GREETING"), "the rest of the template stays");
    assertEquals(controlPlane.revision("hello-00001").spec().template().wasm(), template.wasm());
  }

  @Test
  void settingsNotGivenStay() {
    ok("deploy", "hello", "--wasm", wasm);
    ok("scale", "hello", "--max", "5", "--retention", "5m");
    ok("scale", "hello", "--min-scale", "2", "--initial", "3");
    assertEquals(
        Map.of(
            ScalingSettings.MIN_SCALE, "2",
            ScalingSettings.MAX_SCALE, "5",
            ScalingSettings.INITIAL_SCALE, "3",
            ScalingSettings.RETENTION, "5m"),
        controlPlane.revision("hello-00003").spec().template().annotations());
  }

  @Test
  void settingsTheServiceHasAlreadyWriteNothing() {
    ok("deploy", "hello", "--wasm", wasm, "--min-scale", "1");
    controlPlane.requests.clear();
    CliRunner.Result r = ok("scale", "hello", "--min", "1");
    assertEquals(
        "Service hello unchanged: revision hello-00001 with min-scale 1 ready at " + URL + "\n",
        r.out());
    assertEquals(
        0, requests("PUT /v1/namespaces/default/services/hello"), controlPlane.requests::toString);
  }

  @Test
  void jsonPrintsTheServiceWithItsNewTemplate() {
    ok("deploy", "hello", "--wasm", wasm);
    Service s = ok("scale", "hello", "--max", "3", "-o", "json").json(Service.class);
    assertEquals("hello-00002", s.status().latestReadyRevisionName());
    assertEquals("3", s.spec().template().annotations().get(ScalingSettings.MAX_SCALE));
  }

  @Test
  void noWaitReturnsWhileTheRevisionStarts() {
    ok("deploy", "hello", "--wasm", wasm);
    controlPlane.node.stopStarting();
    CliRunner.Result r = ok("scale", "hello", "--min", "1", "--no-wait");
    assertEquals(
        "Service hello scaled: new revision hello-00002 with min-scale 1 is starting (not waiting"
            + " for it)\n",
        r.out());
    assertEquals(0, requests("GET /v1/namespaces/default/revisions/hello-00002"));
  }

  @Test
  void aNewRevisionWithoutTrafficIsPointedOut() {
    ok("deploy", "hello", "--wasm", wasm);
    ok("traffic", "hello", "hello-00001=100");
    CliRunner.Result r = ok("scale", "hello", "--min", "1");
    assertEquals(
        "Service hello scaled: new revision hello-00002 with min-scale 1 ready, but no traffic"
            + " goes to it (route some with: skiff traffic hello ...)\n",
        r.out());
  }

  @Test
  void waitsForTheServiceToCatchUpWithTheReadyRevision() {
    ok("deploy", "hello", "--wasm", wasm);
    controlPlane.node.lagServiceStatus(3);
    CliRunner.Result r = ok("scale", "hello", "--min", "1");
    assertEquals(
        "Service hello scaled: new revision hello-00002 with min-scale 1 ready at " + URL + "\n",
        r.out());
    assertTrue(controlPlane.serviceStatusLagged(), "the service lagged behind its revision");
  }

  @Test
  void boundsThatContradictTheServicesAreAUsageErrorAndWriteNothing() {
    ok("deploy", "hello", "--wasm", wasm, "--max-scale", "2");
    CliRunner.Result min = cli.run("scale", "hello", "--min", "3");
    assertEquals(2, min.code(), min::toString);
    assertTrue(
        min.err()
            .startsWith(
                "Error: --min: min-scale 3 is greater than the max-scale 2 that hello has; give"
                    + " --max as well (0 means unbounded)\n"),
        min.err());

    ok("scale", "hello", "--max", "0", "--min", "1");
    ok("scale", "hello", "--max", "4");
    ok("scale", "hello", "--min", "4");
    CliRunner.Result max = cli.run("scale", "hello", "--max", "3");
    assertEquals(2, max.code(), max::toString);
    assertTrue(
        max.err().startsWith("Error: --max: max-scale 3 is less than the min-scale 4 that hello"),
        max.err());
    assertEquals(
        3, requests("PUT /v1/namespaces/default/services/hello"), controlPlane.requests::toString);
  }

  @Test
  void aConcurrentWriteIsMergedAgainThenGivenUpOn() {
    ok("deploy", "hello", "--wasm", wasm);
    controlPlane.concurrentWrites.set(2);
    ok("scale", "hello", "--min", "1");
    assertEquals(3, requests("PUT /v1/namespaces/default/services/hello"));

    controlPlane.concurrentWrites.set(3);
    CliRunner.Result r = cli.run("scale", "hello", "--min", "2");
    assertEquals(1, r.code(), r::toString);
    assertTrue(r.err().startsWith("Error: resourceVersion "), r.err());
    assertTrue(r.err().contains(" is stale; Service hello is at "), r.err());
  }

  @Test
  void unknownServiceIsTheServersError() {
    CliRunner.Result r = cli.run("scale", "nope", "--min", "1");
    assertEquals(1, r.code(), r::toString);
    assertTrue(r.err().startsWith("Error: service default/nope does not exist"), r.err());
  }

  @Test
  void serviceLevelSettingsCountAsTheServicesOwn() {
    ok("deploy", "hello", "--wasm", wasm, "--max-scale", "2");
    CliRunner.Result r = ok("scale", "hello", "--max", "2");
    assertTrue(r.out().startsWith("Service hello unchanged: revision hello-00001"), r.out());
  }

  @Test
  void deployThatDropsScaleSettingsSaysSo() {
    ok("deploy", "hello", "--wasm", wasm);
    ok("scale", "hello", "--min", "1", "--target", "50");
    CliRunner.Result r = ok("deploy", "hello", "--wasm", wasm, "--min-scale", "1");
    assertTrue(
        r.err()
            .startsWith(
                "Note: the template of hello had target 50; deploy replaces the whole template,"),
        r.err());
    assertTrue(r.err().contains("'skiff scale hello'"), r.err());
    assertEquals("", ok("deploy", "hello", "--wasm", wasm, "--min-scale", "1").err());
  }

  @Test
  void revisionsShowReadyOfDesiredInstances() {
    ok("deploy", "hello", "--wasm", wasm, "--min-scale", "2");
    controlPlane.node.stopStarting();
    ok("scale", "hello", "--min", "3", "--no-wait");
    String before = ok("revisions", "hello").out();
    assertTrue(before.contains("hello-00002   2        Unknown   -           0%"), before);
    assertTrue(before.contains("hello-00001   1        True      2/2         100%"), before);

    String describe = ok("describe", "hello").out();
    assertTrue(
        describe.contains(
            "  NAME          NUMBER   READY     INSTANCES   MIN   MAX   TARGET   WINDOW   TRAFFIC"),
        describe);
    assertTrue(
        describe.contains(
            "  hello-00001   1        True      2/2         2     0     100      60s"),
        describe);
    assertTrue(
        describe.contains(
            "  hello-00002   2        Unknown   -           3     0     100      60s"),
        describe);
  }

  @Test
  void listSumsTheReadyInstancesOfRevisionsWithTraffic() {
    ok("deploy", "hello", "--wasm", wasm, "--min-scale", "2");
    ok("deploy", "hello", "--wasm", wasm, "--min-scale", "2", "--env", "V=2");
    ok("traffic", "hello", "hello-00001=50", "hello-00002=50");
    ok("deploy", "web", "--image", "registry.local/web:1");
    controlPlane.instances("web-00001", 0, 0); // scaled to zero
    controlPlane.requests.clear();

    String list = ok("list").out();
    assertTrue(
        list.startsWith("NAME    KIND        LATEST        READY   INSTANCES   TRAFFIC"), list);
    assertTrue(list.contains("\nhello   wasm        hello-00002   True    4           "), list);
    assertTrue(list.contains("\nweb     container   web-00001     True    0           "), list);
    assertEquals(
        1, requests("GET /v1/namespaces/default/revisions"), controlPlane.requests::toString);

    ok("list", "-A");
    assertEquals(1, requests("GET /v1/revisions"), controlPlane.requests::toString);

    controlPlane.requests.clear();
    ok("list", "-o", "json");
    assertEquals(0, requests("GET /v1/namespaces/default/revisions"), "json prints services only");
  }
}
