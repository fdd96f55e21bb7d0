package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.examples.Examples;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admission limits through a real skiffd: scale annotations above the per-revision ceiling are
 * refused with 422, and a stored service the node cannot run does not keep the API from answering
 * after a restart, so it can be deleted.
 */
class AdmissionIT {
  static final String MIN_SCALE = "autoscaling.knative.dev/min-scale";

  @TempDir Path dir;

  @Test
  void refusesAMinScaleAboveTheCeilingWith422NamingFieldCeilingAndFlag() throws Exception {
    try (RunningSkiffd skiffd = RunningSkiffd.start(dir.resolve("data"));
        Http http = new Http(HttpVersion.HTTP_1_1)) {
      String body =
          """
          {"metadata": {"name": "greedy"},
           "spec": {"template": {"image": "example/hello:1",
                                 "annotations": {"%s": "20100"}}}}
          """
              .formatted(MIN_SCALE);
      Http.Response r =
          http.send(
              HttpMethod.POST,
              skiffd.skiffd.apiPort(),
              "127.0.0.1",
              "/v1/namespaces/default/services",
              Map.of(
                  "Content-Type", "application/json", "Authorization", "Bearer " + skiffd.token()),
              Buffer.buffer(body));

      assertEquals(422, r.status(), r.text());
      assertTrue(r.text().contains("spec.template.annotations[" + MIN_SCALE + "]"), r.text());
      assertTrue(r.text().contains("ceiling of 100 instances per revision"), r.text());
      assertTrue(r.text().contains("--max-instances-per-revision"), r.text());
    }
  }

  @Test
  void aStoredServiceTheNodeCannotRunCanBeDeletedAfterARestart() throws Exception {
    Path data = dir.resolve("data");
    Path wasm = Files.write(dir.resolve("hello.wasm"), Examples.wasm(Examples.HELLO));
    // An operator who allowed huge revisions, on a node that holds three instances.
    try (RunningSkiffd first =
        RunningSkiffd.start(
            data,
            30,
            o -> {
              o.maxInstancesPerRevision = 100_000;
              o.maxInstancesPerNode = 3;
            })) {
      Cli cli = new Cli(first);
      cli.run("deploy", "greedy", "--wasm", wasm.toString(), "--annotation", MIN_SCALE + "=20100");
      awaitRevisionStatus(first, "InsufficientCapacity");
    }
    // Restarted with the default ceilings: the API answers and the service goes.
    try (RunningSkiffd second = RunningSkiffd.start(data, 30, o -> o.maxInstancesPerNode = 3);
        Http http = new Http(HttpVersion.HTTP_1_1)) {
      Http.Response health = http.get(second.skiffd.apiPort(), "127.0.0.1", "/healthz");
      assertEquals(200, health.status(), health.text());
      Cli cli = new Cli(second);
      cli.ok("delete", "greedy");
      Http.Response gone =
          http.send(
              HttpMethod.GET,
              second.skiffd.apiPort(),
              "127.0.0.1",
              "/v1/namespaces/default/services/greedy",
              second.auth(),
              null);
      assertEquals(404, gone.status(), gone.text());
    }
  }

  /** Polls the revision until its status (ResourcesAvailable) contains {@code text}. */
  private static void awaitRevisionStatus(RunningSkiffd s, String text) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    String last = "";
    try (Http http = new Http(HttpVersion.HTTP_1_1)) {
      while (System.nanoTime() < deadline) {
        last =
            http.send(
                    HttpMethod.GET,
                    s.skiffd.apiPort(),
                    "127.0.0.1",
                    "/v1/namespaces/default/revisions/greedy-00001",
                    s.auth(),
                    null)
                .text();
        if (last.contains(text)) {
          return;
        }
        Thread.sleep(100);
      }
    }
    throw new AssertionError("the revision's status never showed " + text + ": " + last);
  }
}
