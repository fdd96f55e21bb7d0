package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.TrafficTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CLI end to end against the real control plane in process ({@link LocalControlPlane}). The
 * round trip against a whole skiffd lives in the server module; this one pins the CLI's own logic.
 */
class CliAgainstControlPlaneTest extends CliTestCase {

  @Test
  void roundTripWithJsonOutputAsTheServerModuleWillRunIt() {
    Service first = ok("deploy", "hello", "--wasm", wasm, "-o", "json").json(Service.class);
    assertEquals("hello-00001", first.status().latestReadyRevisionName());
    assertTrue(first.spec().template().wasm().digest().startsWith("sha256:"));

    Service second =
        ok("deploy", "hello", "--wasm", wasm, "--env", "GREETING=hi", "-o", "json")
            .json(Service.class);
    assertEquals("hello-00002", second.status().latestReadyRevisionName());
    assertEquals("hi", second.spec().template().env().get("GREETING"));

    Service split =
        ok("traffic", "hello", "hello-00001=50", "hello-00002=50", "-o", "json")
            .json(Service.class);
    assertEquals(
        List.of(
            TrafficTarget.revision("hello-00001", 50), TrafficTarget.revision("hello-00002", 50)),
        split.spec().traffic());

    Service rolledBack = ok("rollback", "hello", "-o", "json").json(Service.class);
    assertEquals(List.of(TrafficTarget.revision("hello-00001", 100)), rolledBack.spec().traffic());

    assertEquals(1, ok("list", "-o", "json").json().get("items").size());
    assertEquals(2, ok("revisions", "hello", "-o", "json").json().get("items").size());
    assertEquals(
        "hello", ok("describe", "hello", "-o", "json").json(Service.class).metadata().name());

    JsonNode deleted = ok("delete", "hello", "-o", "json").json();
    assertEquals("hello", deleted.get("deleted").asText());
    assertEquals(0, ok("list", "-o", "json").json().get("items").size());
  }

  @Test
  void tableOutputSaysWhatHappened() {
    CliRunner.Result deploy = ok("deploy", "hello", "--wasm", wasm);
    assertEquals(
        "Service hello deployed: revision hello-00001 ready at http://hello.default.localhost\n",
        deploy.out());

    String list = ok("list").out();
    assertTrue(list.startsWith("NAME    KIND   LATEST        READY   INSTANCES   TRAFFIC"), list);
    assertTrue(
        list.contains("hello   wasm   hello-00001   True    1           hello-00001=100%"), list);

    CliRunner.Result again = ok("deploy", "hello", "--wasm", wasm);
    assertTrue(
        again.out().startsWith("Service hello unchanged: revision hello-00001 ready"), again.out());

    ok("deploy", "hello", "--wasm", wasm, "--env", "V=2");
    String traffic =
        ok("traffic", "hello", "hello-00001=25", "@latest=75", "--tag", "hello-00001=stable").out();
    assertEquals(
        """
        Traffic of hello updated:
        PERCENT   REVISION                TAG      URL
        25%       hello-00001             stable   http://stable-hello.default.localhost
        75%       hello-00002 (@latest)   -        http://hello.default.localhost
        """,
        traffic);

    String revisions = ok("revisions", "hello").out();
    assertTrue(
        revisions.contains("hello-00002   2        True    1/1         75%       -"), revisions);
    assertTrue(
        revisions.contains("hello-00001   1        True    1/1         25%       stable"),
        revisions);

    String describe = ok("describe", "hello").out();
    assertTrue(describe.contains("Kind:           wasm"), describe);
    assertTrue(describe.contains("http://stable-hello.default.localhost"), describe);

    String rollback = ok("rollback", "hello").out();
    assertTrue(
        rollback.startsWith(
            "Rolled back hello: 100% of traffic to hello-00001 (was hello-00002 with 75%)."),
        rollback);
    assertEquals("Service hello deleted.\n", ok("delete", "hello").out());
  }

  @Test
  void globalOptionsWorkBeforeAndAfterTheCommand() {
    ok("deploy", "hello", "--wasm", wasm, "-n", "team-a");
    assertEquals(1, ok("-o", "json", "-n", "team-a", "list").json().get("items").size());
    assertEquals(0, ok("list", "-o", "json").json().get("items").size());
    assertEquals(1, ok("list", "-A", "-o", "json").json().get("items").size());
    String yaml = ok("describe", "hello", "-n", "team-a", "-o", "yaml").out();
    assertTrue(yaml.contains("name: hello"), yaml);
    ok("deploy", "hello", "--wasm", wasm, "--env", "V=2", "-n", "team-a");
    JsonNode deleted =
        ok("revisions", "delete", "hello-00001", "-n", "team-a", "-o", "json").json();
    assertEquals("hello-00001", deleted.get("deleted").asText());
  }

  @Test
  void taggedDeployGetsNoTrafficAndItsOwnUrl() {
    ok("deploy", "hello", "--wasm", wasm);
    CliRunner.Result canary =
        ok("deploy", "hello", "--wasm", wasm, "--env", "V=2", "--tag", "canary");
    assertEquals(
        "Service hello deployed: revision hello-00002 ready at"
            + " http://canary-hello.default.localhost (tag canary, 0% of traffic)\n",
        canary.out());
    assertEquals(
        List.of(
            TrafficTarget.revision("hello-00001", 100),
            new TrafficTarget("hello-00002", null, 0, "canary")),
        controlPlane.service("default", "hello").spec().traffic());
  }

  @Test
  void firstDeployWithTagGetsAllTraffic() {
    CliRunner.Result r = ok("deploy", "hello", "--wasm", wasm, "--tag", "v1");
    assertTrue(r.out().contains("ready at http://hello.default.localhost\n"), r.out());
    assertEquals(
        List.of(TrafficTarget.latest(100), new TrafficTarget("hello-00001", null, 0, "v1")),
        controlPlane.service("default", "hello").spec().traffic());
  }

  @Test
  void deployWithoutWaitReturnsBeforeTheRevisionIsReady() {
    controlPlane.node.stopStarting();
    CliRunner.Result r = ok("deploy", "hello", "--image", "registry.local/hello:1", "--no-wait");
    assertTrue(
        r.out().startsWith("Service hello deployed: revision hello-00001 is starting"), r.out());
  }

  @Test
  void failedRevisionEndsDeployWithItsReason() {
    CliRunner.Result r = cli.run("deploy", "hello", "--wasm", wasm, "--env", "FAIL=1");
    assertEquals(1, r.code(), r::toString);
    assertTrue(
        r.err()
            .startsWith(
                "Error: revision hello-00001 failed: ExitCode: the module exited with status 1\n"),
        r.err());
    assertTrue(r.err().contains("Hint: "), r.err());
    assertEquals("", r.out());
  }

  @Test
  void waitTimesOutWithAClearMessage() {
    CliRunner.Result r =
        cli.run("deploy", "hello", "--wasm", wasm, "--env", "HANG=1", "--wait-timeout", "1");
    assertEquals(1, r.code(), r::toString);
    assertTrue(
        r.err()
            .contains(
                "revision hello-00001 is not ready (last seen: Starting: waiting for an instance)"
                    + " within the wait timeout"),
        r.err());
    assertTrue(r.err().contains("raise --wait-timeout"), r.err());
  }

  @Test
  void serverRejectionPrintsErrorDetailsAndHint() {
    ok("deploy", "hello", "--wasm", wasm);
    CliRunner.Result r = cli.run("traffic", "hello", "hello-00009=100");
    assertEquals(1, r.code(), r::toString);
    String problem =
        "spec.traffic[0].revisionName: revision hello-00009 does not exist"
            + " (name one of [hello-00001] or use latestRevision: true)";
    assertEquals(
        "Error: invalid traffic: "
            + problem
            + "\n"
            + "  "
            + problem
            + "\n"
            + "Hint: fix the fields listed in details and send the manifest again\n",
        r.err());
  }

  @Test
  void invalidWasmIsRefusedByTheServer() throws IOException {
    Path text = dir.resolve("hello.wat");
    Files.writeString(text, "(module)");
    CliRunner.Result r = cli.run("deploy", "hello", "--wasm", text.toString());
    assertEquals(1, r.code(), r::toString);
    assertTrue(r.err().startsWith("Error: not a valid WebAssembly module"), r.err());
  }

  @Test
  void applyCreatesThenConfiguresEveryDocument() throws IOException {
    Path file = dir.resolve("app.yaml");
    Files.writeString(
        file,
        """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: web
        spec:
          template:
            spec:
              containers:
                - image: registry.local/web:1
                  env:
                    - {name: MODE, value: prod}
        ---
        apiVersion: skiff.dev/v1
        kind: Service
        metadata:
          name: hello
        spec:
          template:
            wasm:
              url: %s
        ---
        apiVersion: skiff.dev/v1
        kind: Trigger
        metadata:
          name: orders
        spec:
          topic: orders
          bootstrapServers: 127.0.0.1:9092
          service: hello
        """
            .formatted(Path.of(wasm).toUri()));
    CliRunner.Result first = ok("apply", "-f", file.toString());
    assertEquals(
        "service/web created: revision web-00001 ready at http://web.default.localhost\n"
            + "service/hello created: revision hello-00001 ready at"
            + " http://hello.default.localhost\n"
            + "trigger/orders created\n",
        first.out());
    assertTrue(controlPlane.trigger("default", "orders").isPresent());

    JsonNode second = ok("apply", "-f", file.toString(), "-o", "json").json();
    assertEquals(3, second.get("items").size());
    assertEquals(
        "web-00001",
        second.get("items").get(0).path("status").path("latestReadyRevisionName").asText());
  }

  @Test
  void applyReadsStandardInput() {
    String json =
        """
        {"apiVersion": "skiff.dev/v1", "kind": "Service", "metadata": {"name": "hello"},
         "spec": {"template": {"image": "registry.local/hello:1"}}}
        """;
    CliRunner.Result r = cli.runWithStdin(json, "apply", "-f", "-", "--no-wait");
    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().startsWith("service/hello created"), r.out());
  }

  @Test
  void applyReportsManifestMistakesBeforeSendingAnything() throws IOException {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(
        file,
        """
        apiVersion: skiff.dev/v1
        kind: Service
        metadata:
          name: hello
        spec:
          template:
            image: registry.local/hello:1
            containerConcurrency: -1
        """);
    CliRunner.Result r = cli.run("apply", "-f", file.toString());
    assertEquals(1, r.code(), r::toString);
    assertTrue(r.err().startsWith("Error: invalid manifest in " + file + "\n"), r.err());
    assertTrue(
        r.err()
            .contains("  Service/hello spec.template.containerConcurrency: must be >= 0, got -1"),
        r.err());
    assertEquals(List.of(), controlPlane.requests);

    Files.writeString(
        file,
        "apiVersion: skiff.dev/v1\nkind: Service\nmetadata: {name: hello}\nspec: {templat: {}}\n");
    CliRunner.Result typo = cli.run("apply", "-f", file.toString());
    assertEquals(1, typo.code(), typo::toString);
    assertTrue(typo.err().contains("  spec.templat: unknown field"), typo.err());
    assertEquals(List.of(), controlPlane.requests);
  }

  @Test
  void pruneDeletesRevisionsWithoutTrafficOrTag() {
    ok("deploy", "hello", "--wasm", wasm);
    ok("deploy", "hello", "--wasm", wasm, "--env", "V=2");
    ok("deploy", "hello", "--wasm", wasm, "--env", "V=3");
    ok("deploy", "hello", "--wasm", wasm, "--env", "V=4");
    ok("traffic", "hello", "@latest=100", "--tag", "hello-00002=old");
    JsonNode pruned = ok("revisions", "--prune", "hello", "-o", "json").json();
    assertEquals(
        List.of("hello-00001", "hello-00003"),
        Json.mapper().convertValue(pruned.get("deleted"), List.class));
    assertEquals(
        List.of("hello-00002", "hello-00004"),
        Json.mapper().convertValue(pruned.get("kept"), List.class));
    assertEquals(
        "Nothing to prune: every revision of hello has traffic or a tag, or is the latest.\n",
        ok("revisions", "prune", "hello").out());
  }

  @Test
  void deletingARevisionThatServesIsRefused() {
    ok("deploy", "hello", "--wasm", wasm);
    CliRunner.Result r = cli.run("revisions", "delete", "hello-00001");
    assertEquals(1, r.code(), r::toString);
    assertTrue(
        r.err().startsWith("Error: service hello routes traffic to revision hello-00001\n"),
        r.err());

    ok("deploy", "hello", "--wasm", wasm, "--env", "V=2");
    JsonNode deleted = ok("revisions", "delete", "hello-00001", "-o", "json").json();
    assertEquals("hello-00001", deleted.get("deleted").asText());
  }

  @Test
  void rollbackWithoutAnOlderReadyRevisionFails() {
    ok("deploy", "hello", "--wasm", wasm);
    CliRunner.Result r = cli.run("rollback", "hello");
    assertEquals(1, r.code(), r::toString);
    assertTrue(
        r.err()
            .startsWith("Error: no ready revision of hello older than hello-00001 to roll back to"),
        r.err());
  }

  @Test
  void untagRemovesATagAndUnknownTagsAreReported() {
    ok("deploy", "hello", "--wasm", wasm);
    ok("deploy", "hello", "--wasm", wasm, "--env", "V=2", "--tag", "canary");
    Service s = ok("traffic", "hello", "--untag", "canary", "-o", "json").json(Service.class);
    assertEquals(List.of(TrafficTarget.revision("hello-00001", 100)), s.spec().traffic());
    CliRunner.Result r = cli.run("traffic", "hello", "--untag", "canary");
    assertEquals(1, r.code(), r::toString);
    assertTrue(r.err().startsWith("Error: tag 'canary' is not in the service's traffic"), r.err());
  }

  @Test
  void missingServiceIsReportedAsTheServerSaysIt() {
    CliRunner.Result r = cli.run("describe", "nope");
    assertEquals(1, r.code(), r::toString);
    assertTrue(r.err().startsWith("Error: service default/nope does not exist"), r.err());
  }

  @Test
  void unreachableServerExitsWithOne() {
    String url = controlPlane.url();
    controlPlane.close();
    CliRunner.Result r = CliRunner.against(url, LocalControlPlane.ADMIN_TOKEN).run("list");
    assertEquals(1, r.code(), r::toString);
    assertTrue(r.err().startsWith("Error: cannot reach the control plane at " + url), r.err());
    assertFalse(r.err().contains("Exception"), r.err());
  }
}
