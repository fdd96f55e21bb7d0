package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Manifests from Knative's docs through {@code skiff apply}, against the real control plane. */
class KnativeManifestsCliTest extends CliTestCase {

  private Path write(String name, String yaml) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, yaml);
    return file;
  }

  @Test
  void applyWarnsAboutTheOldAnnotationSpellingAndStoresTheNewOne() throws IOException {
    Path file =
        write(
            "autoscale.yaml",
            """
            apiVersion: serving.knative.dev/v1
            kind: Service
            metadata:
              name: autoscale-go
              namespace: default
            spec:
              template:
                metadata:
                  annotations:
                    autoscaling.knative.dev/targetUtilizationPercentage: "80"
                    autoscaling.knative.dev/target: "10"
                spec:
                  containers:
                    - image: ghcr.io/knative/autoscale-go:latest
            """);
    CliRunner.Result r = cli.run("apply", "-f", file.toString(), "--no-wait");
    assertEquals(0, r.code(), r::toString);
    assertTrue(
        r.err()
            .contains(
                "Warning: service autoscale-go: spec.template.annotations"
                    + "[autoscaling.knative.dev/targetUtilizationPercentage] is deprecated"),
        r.err());
    assertTrue(r.out().startsWith("service/autoscale-go created"), r.out());
  }

  @Test
  void applyKeepsTheRevisionNameTheManifestChose() throws IOException {
    String blue =
        """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: example-service
        spec:
          template:
            metadata:
              name: example-service-%s
            spec:
              containers:
                - image: ghcr.io/knative/helloworld-go:latest
                  env:
                    - name: TARGET
                      value: "%s"
        """;
    ok("apply", "-f", write("blue.yaml", blue.formatted("blue", "blue")).toString(), "--no-wait");
    CliRunner.Result green =
        ok(
            "apply",
            "-f",
            write("green.yaml", blue.formatted("green", "green")).toString(),
            "--no-wait",
            "-o",
            "json");
    assertEquals(
        "example-service-green",
        green.json().at("/items/0/status/latestCreatedRevisionName").asText());
    CliRunner.Result clash =
        cli.run(
            "apply",
            "-f",
            write("clash.yaml", blue.formatted("green", "changed")).toString(),
            "--no-wait");
    assertEquals(1, clash.code(), clash::toString);
    assertTrue(clash.err().contains("needs a new revision name"), clash.err());
  }

  @Test
  void deployRevisionNameNamesTheRevisionWithKnativesRules() {
    ok(
        "deploy",
        "web",
        "--image",
        "registry.local/web:1",
        "--revision-name",
        "web-v1",
        "--no-wait");
    assertEquals(
        "web-v1", controlPlane.service("default", "web").status().latestCreatedRevisionName());
    CliRunner.Result reused =
        cli.run(
            "deploy",
            "web",
            "--image",
            "registry.local/web:2",
            "--revision-name",
            "web-v1",
            "--no-wait");
    assertEquals(1, reused.code(), reused::toString);
    assertTrue(reused.err().contains("needs a new revision name"), reused.err());
    CliRunner.Result foreign =
        cli.run(
            "deploy",
            "web",
            "--image",
            "registry.local/web:2",
            "--revision-name",
            "v2",
            "--no-wait");
    assertEquals(1, foreign.code(), foreign::toString);
    assertTrue(foreign.err().contains("must start with the service's name"), foreign.err());
  }
}
