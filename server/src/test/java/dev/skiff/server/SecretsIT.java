package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.examples.Examples;
import io.vertx.core.http.HttpVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A secret's value reaches a function through skiffd (CLI, control plane, node agent, Wasm host,
 * gateway), and neither the data directory nor any log line holds it; a revision whose secret is
 * missing is Ready=False saying so.
 */
class SecretsIT {
  static final String VALUE = "Bonjour-7Hq2xZ9m";

  @TempDir Path dir;
  final List<String> logLines = Collections.synchronizedList(new ArrayList<>());
  final Handler capture =
      new Handler() {
        private final SimpleFormatter format = new SimpleFormatter();

        @Override
        public void publish(LogRecord r) {
          logLines.add(format.format(r));
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };

  @BeforeEach
  void captureLogs() {
    Logger.getLogger("").addHandler(capture);
  }

  @AfterEach
  void stopCapturing() {
    Logger.getLogger("").removeHandler(capture);
  }

  @Test
  void secretValueReachesTheWasmFunctionAndNothingElse() throws Exception {
    try (RunningSkiffd skiffd = RunningSkiffd.start(dir.resolve("data"));
        Http http = new Http(HttpVersion.HTTP_1_1)) {
      Cli cli = new Cli(skiffd);
      cli.ok("secret", "create", "greeting", "--from-literal", "text=" + VALUE);
      Path wasm = Files.write(dir.resolve("hello.wasm"), Examples.wasm(Examples.HELLO));
      cli.ok(
          "deploy", "hello", "--wasm", wasm.toString(), "--env-secret", "GREETING=greeting:text");

      Http.Response r = http.get(skiffd.gatewayPort(), "hello.default.localhost", "/?name=skiff");
      assertEquals(200, r.status(), r.text());
      assertEquals(VALUE + ", skiff!", r.text().trim());

      for (String format : List.of("yaml", "json")) {
        String described = cli.ok("describe", "hello", "-o", format).out();
        assertFalse(described.contains(VALUE), described);
        assertTrue(described.contains("greeting"), described);
      }
      assertFalse(cli.ok("secret", "describe", "greeting", "-o", "yaml").out().contains(VALUE));
      assertFalse(cli.ok("logs", "hello").out().contains(VALUE));
      assertEquals(List.of(), filesContaining(skiffd.dataDir, VALUE));
      synchronized (logLines) {
        assertTrue(logLines.size() > 0, "skiffd logged something");
        assertEquals(List.of(), logLines.stream().filter(l -> l.contains(VALUE)).toList());
      }
    }
  }

  @Test
  void aMissingSecretMakesTheRevisionNotReadyWithTheReason() throws Exception {
    try (RunningSkiffd skiffd =
        RunningSkiffd.start(dir.resolve("data"), 30, o -> o.startAttempts = 1)) {
      Cli cli = new Cli(skiffd);
      Path wasm = Files.write(dir.resolve("hello.wasm"), Examples.wasm(Examples.HELLO));
      Cli.Result deploy =
          cli.run(
              "deploy", "hello", "--wasm", wasm.toString(), "--env-secret", "GREETING=absent:text");
      assertTrue(deploy.exit() != 0, deploy::toString);
      JsonNode rev = cli.ok("revisions", "hello", "-o", "json").json().path("items").get(0);
      JsonNode ready = null;
      for (JsonNode c : rev.at("/status/conditions")) {
        if ("Ready".equals(c.path("type").asText())) {
          ready = c;
        }
      }
      assertTrue(ready != null, rev::toString);
      assertEquals("False", ready.path("status").asText(), ready::toString);
      assertEquals("SecretMissing", ready.path("reason").asText(), ready::toString);
      assertTrue(
          ready.path("message").asText().contains("secret absent in namespace default"),
          ready::toString);
    }
  }

  static List<Path> filesContaining(Path root, String needle) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      List<Path> hits = new ArrayList<>();
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        if (new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(needle)) {
          hits.add(f);
        }
      }
      return hits;
    }
  }
}
