package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.skiff.eventing.Broker;
import dev.skiff.examples.Examples;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka triggers end to end: a real KRaft broker, skiffd in process (API, gateway, node agent,
 * Chicory, the dispatcher), the example event function in Wasm, the CLI.
 */
class EventsIT {
  @TempDir static Path dir;
  static Broker broker;
  static RunningSkiffd skiffd;
  static Cli cli;
  static final ObjectMapper JSON = new ObjectMapper();

  @BeforeAll
  static void start() throws Exception {
    broker = Broker.start();
    skiffd = RunningSkiffd.start(dir.resolve("data"));
    cli = new Cli(skiffd);
    Path module = Files.write(dir.resolve("event.wasm"), Examples.wasm(Examples.EVENT));
    cli.ok("deploy", "event", "--wasm", module.toString());
  }

  @AfterAll
  static void stop() {
    skiffd.close();
    broker.close();
  }

  private static JsonNode describe(String trigger) throws Exception {
    return JSON.readTree(cli.ok("trigger", "describe", trigger, "-o", "json").out());
  }

  private static JsonNode waitForStatus(String trigger, Predicate<JsonNode> ok) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    JsonNode t = describe(trigger);
    while (!ok.test(t.path("status"))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("trigger " + trigger + " never got there: " + t.path("status"));
      }
      Thread.sleep(100);
      t = describe(trigger);
    }
    return t.path("status");
  }

  @Test
  void recordsReachTheWasmFunctionAsCloudEventsAndItsRepliesReachTheReplyTopic() throws Exception {
    int count = 300;
    broker.createTopic("orders", 3);
    broker.createTopic("orders-replies", 1);
    List<String> values = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      values.add("{\"order\":" + i + "}");
    }
    broker.sendValues("orders", values);

    cli.ok(
        "trigger",
        "create",
        "orders",
        "--bootstrap",
        broker.bootstrap(),
        "--topic",
        "orders",
        "--service",
        "event",
        "--ordering",
        "unordered",
        "--initial-offset",
        "earliest",
        "--reply-topic",
        "orders-replies");

    List<String> replies =
        broker.headerValues("orders-replies", "ce_id", count, Duration.ofSeconds(90));
    Set<String> distinct = new HashSet<>(replies);
    assertEquals(count, distinct.size(), "distinct replies");
    // Every reply names the record it answers (its partition and offset); unkeyed records may all
    // land in one partition (Kafka's sticky partitioner), so which partitions is not fixed.
    assertTrue(
        distinct.stream().allMatch(id -> id.matches("reply-partition:[0-2]/offset:\\d+")),
        distinct.toString());
    assertTrue(
        distinct.stream().anyMatch(id -> id.matches("reply-partition:[0-2]/offset:0")),
        distinct.toString());
    JsonNode status =
        waitForStatus(
            "orders", s -> s.path("lag").asLong(-1) == 0 && s.path("replied").asLong() >= count);
    assertEquals("True", status.at("/conditions/0/status").asText(), status.toString());
    assertTrue(status.path("delivered").asLong() >= count, status.toString());
    assertEquals(3, status.path("partitions").size(), status.toString());
    String text = cli.ok("trigger", "describe", "orders").out();
    assertTrue(text.contains("State:        Ready"), text);
    // Through the mesh as eventing, not through the gateway: the function's sidecar counted every
    // event, the gateway none.
    String metrics = metrics();
    assertEquals(0, sum(metrics, "skiff_gateway_requests_total{", "service=\"event\""), metrics);
    assertTrue(
        sum(metrics, "skiff_sidecar_requests_total{", "revision=\"event-00001\"") >= count,
        metrics);
  }

  private static String metrics() throws Exception {
    var http = java.net.http.HttpClient.newHttpClient();
    var request =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://127.0.0.1:" + skiffd.skiffd.apiPort() + "/metrics"))
            .build();
    return http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
  }

  /** The sum of the series starting with {@code prefix} whose labels contain {@code label}. */
  private static double sum(String metrics, String prefix, String label) {
    double total = 0;
    for (String line : metrics.split("\n")) {
      if (line.startsWith(prefix) && line.contains(label)) {
        total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return total;
  }

  @Test
  void aTriggerForAMissingServiceSaysSoAndLosesNothing() throws Exception {
    broker.createTopic("waiting", 1);
    broker.sendValues("waiting", List.of("a", "b"));
    cli.ok(
        "trigger",
        "create",
        "waiting",
        "--bootstrap",
        broker.bootstrap(),
        "--topic",
        "waiting",
        "--service",
        "later",
        "--initial-offset",
        "earliest");
    JsonNode status =
        waitForStatus(
            "waiting", s -> "ServiceNotFound".equals(s.at("/conditions/0/reason").asText()));
    assertTrue(
        status.at("/conditions/0/message").asText().contains("default/later"), status.toString());
    String list = cli.ok("trigger", "list").out();
    assertTrue(list.contains("False (ServiceNotFound)"), list);

    Path module = Files.write(dir.resolve("later.wasm"), Examples.wasm(Examples.EVENT));
    cli.ok("deploy", "later", "--wasm", module.toString());
    waitForStatus("waiting", s -> s.path("delivered").asLong() == 2 && s.path("lag").asLong() == 0);
  }
}
