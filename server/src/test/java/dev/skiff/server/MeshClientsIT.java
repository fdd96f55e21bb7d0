package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.examples.Examples;
import dev.skiff.testing.Prerequisites;
import io.vertx.core.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * skiffd with {@code --mesh on}, the caller's half: the gateway and the activator get their
 * identities from the in-process CA, the gateway reaches the activator over mutual TLS, and the
 * activator's port answers nothing to plaintext and 403 to a workload identity. (Instances stay
 * plaintext on this branch: their sidecars come with the node's half.)
 */
class MeshClientsIT {
  @TempDir static Path dir;
  static RunningSkiffd skiffd;
  static Cli cli;
  static Http h1;

  @BeforeAll
  static void start() throws Exception {
    Prerequisites.require(
        Files.isExecutable(Path.of("/usr/bin/curl")), "curl", "apt-get install curl");
    skiffd = RunningSkiffd.start(dir.resolve("data"), 30, o -> o.meshSwitch = "on");
    cli = new Cli(skiffd);
    h1 = new Http(HttpVersion.HTTP_1_1);
    Path file = Files.write(dir.resolve("hello.wasm"), Examples.wasm(Examples.HELLO));
    cli.ok("deploy", "hello", "--wasm", file.toString());
  }

  @AfterAll
  static void stop() {
    if (h1 != null) {
      h1.close();
    }
    if (skiffd != null) {
      skiffd.close();
    }
  }

  @Test
  void servesAFunctionAtZeroThroughTheMutualTlsActivatorHop() throws Exception {
    var r = h1.get(skiffd.gatewayPort(), "hello.default.localhost", "/?name=mesh");

    assertEquals(200, r.status(), r.text());
    assertEquals("Hello, mesh!", r.text().trim());
  }

  @Test
  void theActivatorAnswersPlaintextWithNoHttp() throws Exception {
    String answer;
    try (Socket s = new Socket("127.0.0.1", skiffd.skiffd.activatorPort())) {
      s.setSoTimeout(5000);
      s.getOutputStream()
          .write(
              ("GET / HTTP/1.1\r\nHost: localhost\r\nSkiff-Revision-Namespace: default\r\n"
                      + "Skiff-Revision-Name: hello-00001\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      answer = readUntilClosed(s.getInputStream());
    }

    assertFalse(answer.contains("HTTP/"), answer);
  }

  @Test
  void theActivatorRefusesAWorkloadIdentityWith403() throws Exception {
    Path id = dir.resolve("workload");
    cli.ok("mesh", "issue", "-n", "default", "--service", "hello", "--out", id.toString());

    Process p =
        new ProcessBuilder(
                "curl",
                "-sS",
                "-i",
                "--max-time",
                "10",
                "--tlsv1.3",
                "--insecure", // a mesh certificate names no host; the activator checks ours
                "--cert",
                id.resolve("cert.pem").toString(),
                "--key",
                id.resolve("key.pem").toString(),
                "-H",
                "Skiff-Revision-Namespace: default",
                "-H",
                "Skiff-Revision-Name: hello-00001",
                "https://127.0.0.1:" + skiffd.skiffd.activatorPort() + "/")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));

    assertTrue(out.matches("(?s)HTTP/[0-9.]+ 403.*"), out);
    assertTrue(out.contains("spiffe://skiff.local/ns/default/svc/hello"), out);
  }

  @Test
  void exposesTheComponentsCertificateExpiry() throws Exception {
    String metrics = h1.get(skiffd.skiffd.apiPort(), "127.0.0.1", "/metrics").text();

    for (String component : new String[] {"gateway", "activator"}) {
      assertTrue(
          metrics
              .lines()
              .anyMatch(
                  l ->
                      l.startsWith("skiff_component_certificate_expiry")
                          && l.contains("identity=\"spiffe://skiff.local/skiff/" + component)),
          component + "'s expiry in /metrics");
    }
  }

  private static String readUntilClosed(InputStream in) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    try {
      for (int n; (n = in.read(buf)) >= 0; ) {
        out.write(buf, 0, n);
      }
    } catch (SocketTimeoutException e) {
      out.write("<no answer within 5 s>".getBytes(StandardCharsets.US_ASCII));
    } catch (java.net.SocketException e) {
      out.write(("<" + e.getMessage() + ">").getBytes(StandardCharsets.US_ASCII));
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }
}
