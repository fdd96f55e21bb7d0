package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.oci.HelloServerImage;
import dev.skiff.oci.LocalRegistry;
import dev.skiff.testing.Prerequisites;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Containers on remote nodes: a control plane without a node of its own and two {@code skiffd
 * --roles node} agents on 127.0.0.2 and 127.0.0.3, each with its own pod subnet. A container
 * service (the examples' hello-server image, pushed to a local registry) with min-scale 2 runs one
 * instance on each node, each node pulling the image itself and running it under runc behind its
 * sidecar on its own address; the service answers through the control plane's gateway, and the
 * revision's status (ready instances, the image digest) comes from the nodes. A second one takes
 * env from a secret, which reaches its container and no file on either node.
 */
class ClusterContainersIT {
  private static final List<String> NODES = List.of("n1", "n2");
  private static final String SECRET = "remote-node-secret-4711";

  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Process p : processes) {
      p.destroy(); // SIGTERM: the nodes stop their containers and remove their networks
    }
    for (Process p : processes) {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void containerServiceRunsOnRemoteNodesAndAnswersThroughTheGateway(@TempDir Path dir)
      throws Exception {
    Prerequisites.requireRoot("containers");
    Prerequisites.requireExecutable(Path.of("/usr/sbin/runc"), "apt-get install runc");
    LocalRegistry.assumeInstalled();
    try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"));
        Http http = new Http(HttpVersion.HTTP_1_1)) {
      String image = registry.address() + "/examples/hello-server:1";
      Vertx vertx = Vertx.vertx();
      String pushed;
      try {
        HelloServerImage.write(
            Files.createDirectories(dir.resolve("build")), dir.resolve("layout"), "1");
        pushed = ImagePush.push(vertx, dir.resolve("layout"), image);
      } finally {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }

      ControlPlaneProcess cp =
          ControlPlaneProcess.builder(dir.resolve("cp"), dir.resolve("config"))
              .leaseSeconds(8)
              .launch();
      processes.add(cp.process());
      int gateway = cp.gateway();
      int nodePort = cp.nodePort();
      Path config = dir.resolve("config");
      Cli cli = cp.cli();
      Path join = cp.createJoinToken(dir.resolve("join"));
      List<NodeProcess> nodes = new ArrayList<>();
      // Two nodes on one machine: each its own pod subnet, so their fences never overlap; drawn
      // per run, so leftovers of a run that was killed do not stand in the way.
      int third = 2 + 2 * java.util.concurrent.ThreadLocalRandom.current().nextInt(120);
      for (int i = 0; i < NODES.size(); i++) {
        NodeProcess n =
            NodeProcess.start(
                dir,
                nodePort,
                NODES.get(i),
                "127.0.0." + (i + 2),
                join,
                List.of("--pod-subnet", "10.251." + (third + i) + ".0/24"));
        processes.add(n.process());
        nodes.add(n);
      }
      for (NodeProcess n : nodes) {
        n.await("runs Wasm and container instances");
      }

      cli.ok(
          "deploy",
          "web",
          "--image",
          image,
          "--port",
          "8080",
          "--memory",
          "64Mi",
          "--annotation",
          "autoscaling.knative.dev/min-scale=2",
          "--no-wait");

      // The revision's status from the nodes: Ready, 2 ready instances, the digest pulled.
      long start = System.nanoTime();
      JsonNode status = awaitRevisionReady(cli, "web", 2, 180);
      System.out.printf(
          "ClusterContainersIT: 2 container instances ready on 2 nodes %d ms after deploy%n",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
      assertEquals(pushed, status.path("imageDigest").asText(), status.toString());

      // One per node, each at its node's own address.
      Map<String, List<String>> ready = new TreeMap<>();
      for (String n : NODES) {
        List<String> eps = new ArrayList<>();
        for (JsonNode i : cli.ok("nodes", "describe", n, "-o", "json").json().path("instances")) {
          if ("READY".equals(i.path("state").asText())) {
            eps.add(i.path("endpoint").asText());
          }
        }
        ready.put(n, eps);
      }
      for (int i = 0; i < NODES.size(); i++) {
        List<String> eps = ready.get(NODES.get(i));
        assertEquals(1, eps.size(), "one per node: " + ready);
        assertTrue(eps.get(0).startsWith("127.0.0." + (i + 2) + ":"), ready.toString());
      }

      // Through the control plane's gateway, over mTLS to the nodes' sidecars.
      List<String> failed = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        Http.Response r = http.get(gateway, "web.default.localhost", "/");
        if (r.status() != 200
            || !r.text().contains("Hello from a container")
            || !r.text().contains("web-00001")) {
          failed.add(r.status() + " " + r.text());
        }
      }
      assertEquals(List.of(), failed, "every request answered by a remote container");

      // Env from a secret: opened on the control plane, sent to the node it is assigned to over
      // the mTLS link, in the container's env, and on no node's disk.
      cli.ok("secret", "create", "who", "--from-literal", "name=" + SECRET);
      cli.ok(
          "deploy",
          "greeter",
          "--image",
          image,
          "--port",
          "8080",
          "--memory",
          "64Mi",
          "--env-secret",
          "TARGET=who:name",
          "--annotation",
          "autoscaling.knative.dev/min-scale=1",
          "--no-wait");
      awaitRevisionReady(cli, "greeter", 1, 180);
      Http.Response greeting = http.get(gateway, "greeter.default.localhost", "/");
      assertEquals(200, greeting.status(), greeting.text());
      assertEquals("Hello " + SECRET + "!", greeting.text().trim());
      for (String n : NODES) {
        assertNotOnDisk(dir.resolve("node-" + n), SECRET);
      }
    }
  }

  /** No regular file under {@code root} holds {@code value}. */
  private static void assertNotOnDisk(Path root, String value) throws Exception {
    byte[] needle = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    List<Path> files;
    try (var walk = Files.walk(root)) {
      files = walk.filter(Files::isRegularFile).toList();
    }
    for (Path f : files) {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(f);
      } catch (java.nio.file.NoSuchFileException gone) {
        continue; // removed meanwhile (a bundle's config.json, say)
      }
      for (int i = 0; i + needle.length <= bytes.length; i++) {
        if (java.util.Arrays.equals(bytes, i, i + needle.length, needle, 0, needle.length)) {
          throw new AssertionError("the secret's value is on the node's disk in " + f);
        }
      }
    }
  }

  private static JsonNode awaitRevisionReady(Cli cli, String service, int ready, int seconds)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    JsonNode status = null;
    while (System.nanoTime() < deadline) {
      status =
          cli.ok("revisions", service, "-o", "json").json().path("items").get(0).path("status");
      boolean isReady = false;
      for (JsonNode c : status.path("conditions")) {
        isReady |=
            "Ready".equals(c.path("type").asText()) && "True".equals(c.path("status").asText());
      }
      if (isReady && status.path("readyInstances").asInt() == ready) {
        return status;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        service
            + "-00001 not Ready with "
            + ready
            + " ready instances in "
            + seconds
            + " s: "
            + status);
  }
}
