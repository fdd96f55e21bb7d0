package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.examples.Examples;
import dev.skiff.store.etcd.EtcdProcess;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * skiffd with {@code --store etcd://...} against a real etcd: its state is in etcd, so a skiffd
 * killed and started again on an empty data directory still has the service, its revision and its
 * module, and serves it.
 */
class SkiffdOnEtcdIT {
  @TempDir Path dir;
  private EtcdProcess etcd;
  private final List<Process> skiffds = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Process p : skiffds) {
      p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  void aSkiffdRestartedOnAnEmptyDataDirAgainstTheSameEtcdStillServesItsWasmService()
      throws Exception {
    etcd = EtcdProcess.startNew();
    Path wasm = Files.write(dir.resolve("hello.wasm"), Examples.wasm(Examples.HELLO));

    Path first = dir.resolve("first");
    int api = SkiffdProcess.freePort();
    int gateway = SkiffdProcess.freePort();
    Process a = launch(first, api, gateway);
    new Cli(cliEnv(first, api, gateway)).ok("deploy", "hello", "--wasm", wasm.toString());
    try (Http http = new Http(HttpVersion.HTTP_1_1)) {
      assertEquals("Hello, etcd!", awaitOk(http, gateway).text().trim());
    }
    a.destroyForcibly().waitFor(30, TimeUnit.SECONDS);

    Path second = dir.resolve("second");
    assertFalse(Files.exists(second));
    int api2 = SkiffdProcess.freePort();
    int gateway2 = SkiffdProcess.freePort();
    launch(second, api2, gateway2);
    try (Http http = new Http(HttpVersion.HTTP_1_1)) {
      assertEquals("Hello, etcd!", awaitOk(http, gateway2).text().trim());
      JsonNode svc =
          Json.mapper()
              .readTree(
                  http.send(
                          HttpMethod.GET,
                          api2,
                          "127.0.0.1",
                          "/v1/namespaces/default/services/hello",
                          Map.of("Authorization", "Bearer " + token(second)),
                          null)
                      .text());
      assertEquals("hello-00001", svc.at("/status/latestCreatedRevisionName").asText());
    }
  }

  private Process launch(Path data, int api, int gateway) throws Exception {
    Process p =
        SkiffdProcess.launch(
            data,
            api,
            gateway,
            dir.resolve("cli-" + data.getFileName()),
            new ArrayList<>(),
            List.of("--store", etcd.url()));
    skiffds.add(p);
    return p;
  }

  private static String token(Path data) throws Exception {
    return Files.readString(data.resolve("admin.token")).trim();
  }

  private Map<String, String> cliEnv(Path data, int api, int gateway) throws Exception {
    return Map.of(
        "SKIFF_SERVER",
        "http://127.0.0.1:" + api,
        "SKIFF_GATEWAY",
        "http://127.0.0.1:" + gateway,
        "SKIFF_CONFIG_DIR",
        dir.resolve("cli-" + data.getFileName()).toString(),
        "SKIFF_TOKEN",
        token(data));
  }

  private static Http.Response awaitOk(Http http, int gateway) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    Http.Response r;
    do {
      r = http.get(gateway, "hello.default.localhost", "/?name=etcd");
      if (r.status() == 200) {
        return r;
      }
      Thread.sleep(20);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("hello did not answer: " + r.status() + " " + r.text());
  }
}
