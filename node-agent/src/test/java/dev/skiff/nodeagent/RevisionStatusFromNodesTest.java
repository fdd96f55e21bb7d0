package dev.skiff.nodeagent;

import static dev.skiff.nodeagent.NodePortFixture.await;
import static dev.skiff.nodeagent.NodePortFixture.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.Condition;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.api.node.RevisionStates;
import dev.skiff.api.node.v1.RevisionState;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A control plane without a node of its own (every role but node) takes its revisions' status from
 * the nodes' reports over the real node port: ready instances summed over the nodes, Ready and the
 * reason a node cannot start it, nothing from a node the revision is not assigned to, nothing from
 * a node that is gone.
 */
class RevisionStatusFromNodesTest {
  private static final String REVISION = "/v1/namespaces/default/revisions/hello-00001";

  private NodePortFixture fx;

  @BeforeEach
  void start(@TempDir Path dir) throws Exception {
    fx = NodePortFixture.start(dir, b -> b.withRevisionStatusFromNodes(true));
  }

  @AfterEach
  void stop() throws Exception {
    fx.close();
  }

  @Test
  void revisionStatusIsTheSumOfTheNodesReports() throws Exception {
    JsonNode t = fx.token("{}");
    RemoteNodeAgent n1 = fx.agent("n1", t);
    RemoteNodeAgent n2 = fx.agent("n2", t);
    await(n1.start());
    await(n2.start());
    deploy(2);
    awaitAssigned(n1);
    awaitAssigned(n2);

    // n1 serves one instance, n2 cannot start its own.
    report(n1, status(1, 1, ready("True", null, null)));
    report(n2, status(1, 0, ready("False", "StartTimedOut", "the start took longer than 2m")));
    // Written after each report: wait for the one that has both.
    JsonNode s =
        awaitStatus(
            x -> x.path("readyInstances").asInt() == 1 && x.path("desiredInstances").asInt() == 2,
            "one ready (n1's) of two desired");
    assertEquals("True", readyOf(s).path("status").asText(), s.toString());

    // n1's instance gone too: not Ready, with n2's reason and its name.
    report(n1, status(1, 0, ready("Unknown", "Deploying", "waiting for the first instance")));
    s = awaitStatus(x -> "False".equals(readyOf(x).path("status").asText()), "Ready False from n2");
    assertEquals("StartTimedOut", readyOf(s).path("reason").asText(), s.toString());
    assertTrue(readyOf(s).path("message").asText().startsWith("node n2: "), s.toString());
    assertEquals(0, s.path("readyInstances").asInt(), s.toString());

    // Both serve: two ready.
    report(n1, status(1, 1, ready("True", null, null)));
    report(n2, status(1, 1, ready("True", null, null)));
    awaitStatus(x -> x.path("readyInstances").asInt() == 2, "two ready");

    // n2 goes away (its connection closes): its instance no longer counts.
    await(n2.stop());
    s = awaitStatus(x -> x.path("readyInstances").asInt() == 1, "n2's instance dropped");
    assertEquals("True", readyOf(s).path("status").asText(), s.toString());
    await(n1.stop());
  }

  @Test
  void aNodeCannotReportARevisionItIsNotAssigned() throws Exception {
    JsonNode t = fx.token("{}");
    RemoteNodeAgent n1 = fx.agent("n1", t);
    await(n1.start());
    deploy(1);
    awaitAssigned(n1);
    RemoteNodeAgent n2 = fx.agent("n2", t);
    await(n2.start()); // after placement: min-scale 1 stays on n1
    report(n2, status(5, 5, ready("True", null, null)));
    report(n1, status(1, 0, ready("Unknown", "Deploying", "waiting for the first instance")));
    JsonNode s =
        awaitStatus(
            x -> readyOf(x).path("message").asText().endsWith("on any node"),
            "n1's Deploying, merged");
    // Reports are handled in order per node; n2's came before n1's and changed nothing.
    assertEquals(0, s.path("readyInstances").asInt(), s.toString());
    assertEquals(0, n2.assignments().getAssignmentsCount(), "n2 is assigned nothing");
    await(n1.stop());
    await(n2.stop());
  }

  @Test
  void aStateNoRuntimeWritesIsRefused() throws Exception {
    JsonNode t = fx.token("{}");
    RemoteNodeAgent n1 = fx.agent("n1", t);
    await(n1.start());
    RevisionState bad =
        RevisionStates.toMessage("default", "hello-00001", status(1, -1, ready("Yes", null, null)));
    Throwable e = failure(n1.work().reportInstances(List.of(), List.of(bad)));
    assertTrue(e.getMessage().contains("revisions[0]"), e.getMessage());
    await(n1.stop());
  }

  private static RevisionStatus status(int desired, int ready, Condition c) {
    return new RevisionStatus(null, desired, ready, List.of(c));
  }

  private static Condition ready(String status, String reason, String message) {
    return new Condition("Ready", status, reason, message, Instant.now());
  }

  private void report(RemoteNodeAgent node, RevisionStatus status) throws Exception {
    await(
        node.work()
            .reportInstances(
                List.of(), List.of(RevisionStates.toMessage("default", "hello-00001", status))));
  }

  private void deploy(int minScale) throws Exception {
    fx.api(
        "POST",
        "/v1/namespaces/default/services",
        """
        {"apiVersion":"skiff.dev/v1","kind":"Service","metadata":{"name":"hello"},
         "spec":{"template":{"image":"registry.example/hello:1",
           "annotations":{"autoscaling.knative.dev/min-scale":"%d"}}}}"""
            .formatted(minScale));
  }

  private static void awaitAssigned(RemoteNodeAgent node) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (node.assignments() == null || node.assignments().getAssignmentsCount() == 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("nothing assigned to " + node.nodeName() + " in 30 s");
      }
      Thread.sleep(20);
    }
  }

  private JsonNode awaitStatus(Predicate<JsonNode> wanted, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = fx.api("GET", REVISION, null).path("status");
      if (wanted.test(last)) {
        return last;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("revision status never showed " + what + "; last: " + last);
  }

  private static JsonNode readyOf(JsonNode status) {
    for (JsonNode c : status.path("conditions")) {
      if ("Ready".equals(c.path("type").asText())) {
        return c;
      }
    }
    return Json.mapper().createObjectNode();
  }
}
