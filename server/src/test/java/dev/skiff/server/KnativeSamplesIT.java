package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.oci.HelloServerImage;
import dev.skiff.oci.LocalRegistry;
import dev.skiff.testing.Prerequisites;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Manifests from Knative's documentation, applied with {@code skiff apply} as they are written
 * (only the image names the one built here from {@code hello-server.c}, which plays each sample's
 * role), served by skiffd under real runc: helloworld-go, autoscale-go with the old annotation
 * spelling, the blue/green guide's named revisions and tags, a service with readiness and liveness
 * probes and scale-down-delay, and helloworld-go with its TARGET from a Kubernetes Secret.
 */
class KnativeSamplesIT {
  @TempDir static Path dir;
  static LocalRegistry registry;
  static RunningSkiffd skiffd;
  static Http http;
  static Cli cli;
  static String image;

  @BeforeAll
  static void start() throws Exception {
    Prerequisites.requireRoot("containers");
    Prerequisites.requireExecutable(Path.of("/usr/sbin/runc"), "apt-get install runc");
    LocalRegistry.assumeInstalled();
    registry = LocalRegistry.start(dir.resolve("registry"));
    skiffd = RunningSkiffd.start(dir.resolve("data"));
    http = new Http(HttpVersion.HTTP_1_1);
    cli = new Cli(skiffd);
    image = registry.address() + "/knative/samples:1";
    Vertx vertx = Vertx.vertx();
    try {
      HelloServerImage.write(
          Files.createDirectories(dir.resolve("build")), dir.resolve("layout"), "1");
      ImagePush.push(vertx, dir.resolve("layout"), image);
    } finally {
      vertx.close();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (http != null) {
      http.close();
    }
    if (skiffd != null) {
      skiffd.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  static Cli.Result apply(String name, String manifest) throws Exception {
    Path file = Files.writeString(dir.resolve(name + "-" + System.nanoTime() + ".yaml"), manifest);
    return cli.ok("apply", "-f", file.toString());
  }

  static Http.Response get(String host, String uri) throws Exception {
    return http.get(skiffd.gatewayPort(), host, uri);
  }

  @Test
  void helloworldGoGreetsItsTarget() throws Exception {
    apply(
        "helloworld",
        """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: helloworld-go
          namespace: default
        spec:
          template:
            spec:
              containers:
                - image: %s
                  env:
                    - name: TARGET
                      value: "Go Sample v1"
        """
            .formatted(image));
    var r = get("helloworld-go.default.localhost", "/");
    assertEquals(200, r.status(), r.text());
    assertEquals("Hello Go Sample v1!", r.text().trim());
  }

  @Test
  void aSecretReachesTheContainerAndNoFileOrOutputHoldsIt() throws Exception {
    String value = "s3cr3t-" + Long.toHexString(System.nanoTime());
    Cli.Result applied;
    try {
      applied =
          apply(
              "secret-target",
              """
            apiVersion: v1
            kind: Secret
            metadata:
              name: target
              namespace: default
            type: Opaque
            stringData:
              name: %s
            ---
            apiVersion: serving.knative.dev/v1
            kind: Service
            metadata:
              name: helloworld-secret
              namespace: default
            spec:
              template:
                spec:
                  containers:
                    - image: %s
                      env:
                        - name: TARGET
                          valueFrom:
                            secretKeyRef:
                              name: target
                              key: name
            """
                  .formatted(value, image));
    } catch (AssertionError e) {
      // Say where the start stands, for a revision that never became ready.
      throw new AssertionError(
          e.getMessage()
              + "\n"
              + cli.run("describe", "helloworld-secret").out()
              + "\n"
              + cli.run("instances").out(),
          e);
    }
    assertFalse(applied.out().contains(value), applied.out());
    var r = get("helloworld-secret.default.localhost", "/");
    assertEquals(200, r.status(), r.text());
    assertEquals("Hello " + value + "!", r.text().trim());
    for (String format : List.of("yaml", "json")) {
      String described = cli.ok("describe", "helloworld-secret", "-o", format).out();
      assertFalse(described.contains(value), described);
    }
    assertFalse(cli.ok("logs", "helloworld-secret").out().contains(value));
    // The bundle's config.json held the env until the runtime read it; it is gone once ready.
    assertEquals(List.of(), SecretsIT.filesContaining(skiffd.dataDir, value));
  }

  @Test
  void autoscaleGoRunsWithTheOldAnnotationSpelling() throws Exception {
    Cli.Result applied =
        apply(
            "autoscale",
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
                    # Target 10 in-flight-requests per pod.
                    autoscaling.knative.dev/target: "10"
                    autoscaling.knative.dev/targetUtilizationPercentage: "70"
                spec:
                  containers:
                  - image: %s
            """
                .formatted(image));
    assertTrue(applied.err().contains("targetUtilizationPercentage] is deprecated"), applied.err());
    var r = get("autoscale-go.default.localhost", "/?sleep=100&prime=10000&bloat=5");
    assertEquals(200, r.status(), r.text());
    String described = cli.ok("describe", "autoscale-go", "-o", "yaml").out();
    assertTrue(described.contains("target-utilization-percentage"), described);
  }

  @Test
  void blueGreenGuideServesNamedRevisionsAndTagUrls() throws Exception {
    String manifest =
        """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: example-service
          namespace: default
        spec:
          template:
            metadata:
              name: example-service-%s
            spec:
              containers:
                - image: %s
                  env:
                    - name: TARGET
                      value: "%s"
        %s""";
    apply("blue", manifest.formatted("blue", image, "blue", ""));
    var blue = get("example-service.default.localhost", "/");
    assertEquals("Hello blue!", blue.text().trim());
    assertEquals("example-service-blue", blue.headers().get("X-Skiff-Revision"));

    apply(
        "green",
        manifest.formatted(
            "green",
            image,
            "green",
            """
              traffic:
              - tag: current
                revisionName: example-service-blue
                percent: 100
              - tag: candidate
                revisionName: example-service-green
                percent: 0
              - tag: latest
                latestRevision: true
                percent: 0
            """));
    assertEquals("Hello blue!", get("example-service.default.localhost", "/").text().trim());
    assertEquals(
        "Hello blue!", get("current-example-service.default.localhost", "/").text().trim());
    assertEquals(
        "Hello green!", get("candidate-example-service.default.localhost", "/").text().trim());
    assertEquals(
        "Hello green!", get("latest-example-service.default.localhost", "/").text().trim());
  }

  @Test
  void probesTakeAnUnreadyInstanceOutAndRestartADeadOne() throws Exception {
    apply(
        "probed",
        """
        apiVersion: serving.knative.dev/v1
        kind: Service
        metadata:
          name: probed
          namespace: default
        spec:
          template:
            metadata:
              annotations:
                autoscaling.knative.dev/min-scale: "2"
                autoscaling.knative.dev/scale-down-delay: "15m"
            spec:
              containers:
                - image: %s
                  readinessProbe:
                    httpGet:
                      path: /healthz
                    periodSeconds: 1
                    failureThreshold: 1
                  livenessProbe:
                    httpGet:
                      path: /livez
                    periodSeconds: 1
                    failureThreshold: 2
        """
            .formatted(image));
    String host = "probed.default.localhost";
    List<String> failures = new ArrayList<>();
    Set<String> seen = answeringInstances(host, 2, failures);

    // One instance fails its readiness probe: it leaves the endpoints, and no request fails.
    var unready = get(host, "/unready");
    String a = unready.headers().get("X-Instance");
    assertTrue(seen.contains(a), seen + " " + a);
    awaitOnlyOthersAnswer(host, Set.of(a), failures);

    // The other fails its liveness probe: it is killed and restarted with backoff; requests
    // meanwhile wait for the new instance rather than fail.
    var broken = get(host, "/break");
    String b = broken.headers().get("X-Instance");
    assertNotEquals(a, b);
    awaitOnlyOthersAnswer(host, Set.of(a, b), failures);
    assertEquals(List.of(), failures);
    String logs = cli.ok("logs", "probed").out();
    assertTrue(logs.contains("LivenessProbeFailed"), logs);
    String described = cli.ok("describe", "probed").out();
    assertTrue(described.contains("Restarts:"), described);
    assertTrue(described.contains("LivenessProbeFailed"), described);
  }

  /** Requests until {@code n} different instances answered; every answer must be 200. */
  static Set<String> answeringInstances(String host, int n, List<String> failures)
      throws Exception {
    Set<String> seen = new HashSet<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (seen.size() < n && System.nanoTime() < deadline) {
      var r = get(host, "/");
      if (r.status() != 200) {
        failures.add(r.status() + " " + r.text());
      }
      seen.add(r.headers().get("X-Instance"));
    }
    assertEquals(n, seen.size(), "instances answering: " + seen);
    return seen;
  }

  /** Requests until 20 answers in a row came from instances not in {@code gone}. */
  static void awaitOnlyOthersAnswer(String host, Set<String> gone, List<String> failures)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    int streak = 0;
    while (streak < 20) {
      assertTrue(System.nanoTime() < deadline, "still answered by " + gone);
      var r = get(host, "/");
      if (r.status() != 200) {
        failures.add(r.status() + " " + r.text());
        assertEquals(List.of(), failures);
      }
      String instance = r.headers().get("X-Instance");
      streak = instance == null || gone.contains(instance) ? 0 : streak + 1;
    }
  }
}
