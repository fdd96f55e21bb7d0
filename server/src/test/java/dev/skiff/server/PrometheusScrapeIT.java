package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.examples.Examples;
import dev.skiff.testing.Prerequisites;
import io.vertx.core.http.HttpVersion;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's Prometheus scrapes a real skiffd's {@code /metrics} every second; the queries of the
 * Grafana dashboard in docs/ are all valid PromQL to it, and its request-rate panel's query finds
 * the requests sent to a deployed function.
 */
class PrometheusScrapeIT {
  private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  private static final Path DASHBOARD = Path.of("..", "docs", "grafana-dashboard.json");

  @TempDir Path dir;
  final HttpClient http = HttpClient.newHttpClient();

  @Test
  void prometheusScrapesSkiffdAndAnswersTheDashboardsQueries() throws Exception {
    Prerequisites.requireExecutable(PROMETHEUS, "apt-get install prometheus");
    JsonNode dashboard = Json.mapper().readTree(Files.readString(DASHBOARD));
    try (RunningSkiffd skiffd = RunningSkiffd.start(dir.resolve("data"));
        Http client = new Http(HttpVersion.HTTP_1_1)) {
      Path wasm = Files.write(dir.resolve("hello.wasm"), Examples.wasm(Examples.HELLO));
      new Cli(skiffd).ok("deploy", "hello", "--wasm", wasm.toString());
      for (int i = 0; i < 20; i++) {
        assertEquals(
            200, client.get(skiffd.gatewayPort(), "hello.default.localhost", "/").status());
      }
      int port = freePort();
      Path config = dir.resolve("prometheus.yml");
      Files.writeString(
          config,
          "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
              + "scrape_configs:\n  - job_name: skiffd\n    metrics_path: /metrics\n"
              + "    static_configs:\n      - targets: ['127.0.0.1:"
              + skiffd.skiffd.apiPort()
              + "']\n");
      Process prometheus =
          new ProcessBuilder(
                  PROMETHEUS.toString(),
                  "--config.file=" + config,
                  "--storage.tsdb.path=" + dir.resolve("tsdb"),
                  "--web.listen-address=127.0.0.1:" + port)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("prometheus.log").toFile())
              .start();
      try {
        String base = "http://127.0.0.1:" + port;
        // The dashboard's request-rate query, over a range a few scrapes long, finds hello's
        // traffic.
        String rate =
            "sum by (namespace, service, revision) (increase(skiff_gateway_requests_total[1m]))";
        JsonNode result =
            await(
                dir,
                "hello's requests in " + rate,
                () -> {
                  JsonNode r = query(base, rate);
                  return r != null && r.path("data").path("result").size() > 0 ? r : null;
                });
        JsonNode series = result.path("data").path("result").get(0);
        assertEquals("hello-00001", series.path("metric").path("revision").asText());
        assertEquals("hello", series.path("metric").path("service").asText());

        List<String> exprs = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
          for (JsonNode t : panel.path("targets")) {
            exprs.add(t.path("expr").asText());
          }
        }
        assertTrue(exprs.size() >= 10, "the dashboard's queries: " + exprs);
        for (String e : exprs) {
          String concrete =
              e.replace("$__rate_interval", "1m")
                  .replace("$namespace", ".*")
                  .replace("$service", ".*");
          JsonNode r = query(base, concrete);
          assertTrue(
              r != null && "success".equals(r.path("status").asText()), concrete + " -> " + r);
        }
        // The panels' metrics are all exported by skiffd (a typo would plot nothing, silently).
        for (String metric :
            List.of(
                "skiff_gateway_request_duration_seconds_bucket",
                "skiff_node_instances_ready",
                "skiff_node_cold_start_duration_seconds_count",
                "skiff_wasm_pool_busy",
                "skiff_api_requests_total",
                "skiff_store_fsync_seconds")) {
          await(
              dir,
              metric,
              () -> {
                JsonNode r = query(base, "count(" + metric + ")");
                return r != null && r.path("data").path("result").size() > 0 ? r : null;
              });
        }
      } finally {
        prometheus.destroy();
        prometheus.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  private JsonNode query(String base, String promql) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          base
                              + "/api/v1/query?query="
                              + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return Json.mapper().readTree(r.body());
    } catch (java.io.IOException e) {
      return null; // not listening yet
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private interface Probe {
    JsonNode get() throws Exception;
  }

  private static JsonNode await(Path dir, String what, Probe probe) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      JsonNode v = probe.get();
      if (v != null) {
        return v;
      }
      if (System.nanoTime() > deadline) {
        Path log = dir.resolve("prometheus.log");
        throw new AssertionError(
            "Prometheus never answered with "
                + what
                + " within 60 s; its log:\n"
                + (Files.exists(log) ? Files.readString(log) : "(none)"));
      }
      LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
    }
  }

  private static int freePort() throws java.io.IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
