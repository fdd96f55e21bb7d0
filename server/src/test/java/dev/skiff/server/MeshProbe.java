package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.meshproxy.testing.ExternalClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * What the mesh acceptance tests do against a running skiffd: mesh identities from {@code skiff
 * mesh issue}, {@code GET /v1/instances}, curl and openssl processes, plaintext probes, and this
 * JVM's listening ports.
 */
final class MeshProbe {
  static final String MIN_SCALE = "autoscaling.knative.dev/min-scale=1";

  private final RunningSkiffd skiffd;
  private final Http http;
  private final Cli cli;
  private final Path dir;

  MeshProbe(RunningSkiffd skiffd, Http http, Path dir) {
    this.skiffd = skiffd;
    this.http = http;
    this.cli = new Cli(skiffd);
    this.dir = dir;
  }

  Cli cli() {
    return cli;
  }

  /** Writes {@code cert.pem}, {@code key.pem} and {@code ca.pem} of a workload identity. */
  Path issue(String namespace, String service) throws Exception {
    Path out = dir.resolve("id-" + namespace + "-" + service);
    cli.ok("mesh", "issue", "-n", namespace, "--service", service, "--out", out.toString());
    return out;
  }

  JsonNode instances(String namespace, String service) throws Exception {
    String uri =
        "/v1/instances?namespace=" + namespace + (service == null ? "" : "&service=" + service);
    Http.Response r =
        http.send(HttpMethod.GET, skiffd.skiffd.apiPort(), "127.0.0.1", uri, skiffd.auth(), null);
    assertEquals(200, r.status(), r.text());
    return Json.mapper().readTree(r.text());
  }

  /** The service's one Ready instance in {@code default}, once there is one. */
  JsonNode readyInstance(String service) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (true) {
      JsonNode items = instances("default", service).get("items");
      for (JsonNode i : items) {
        if ("Ready".equals(i.get("state").asText())) {
          assertNotNull(i.get("address").textValue());
          return i;
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no Ready instance of " + service + ": " + items);
      }
      Thread.sleep(50);
    }
  }

  /** A call of the namespace {@code default}'s API with the admin token; fails unless 2xx. */
  JsonNode api(HttpMethod method, String path, JsonNode body) throws Exception {
    Http.Response r =
        http.send(
            method,
            skiffd.skiffd.apiPort(),
            "127.0.0.1",
            "/v1/namespaces/default/" + path,
            Map.of("Authorization", "Bearer " + skiffd.token(), "Content-Type", "application/json"),
            body == null ? null : Buffer.buffer(Json.mapper().writeValueAsString(body)));
    assertTrue(r.status() / 100 == 2, method + " " + path + ": " + r.status() + " " + r.text());
    return Json.mapper().readTree(r.text());
  }

  /**
   * curl over mTLS as {@code id}; {@code --insecure} because a mesh certificate names no host (curl
   * still presents its own certificate, which is what the sidecar checks).
   */
  static String curl(String address, Path id) throws Exception {
    return ExternalClient.curl("https://" + address + "/")
        .flags(
            "--tlsv1.3",
            "--insecure",
            "--cert",
            id.resolve("cert.pem").toString(),
            "--key",
            id.resolve("key.pem").toString())
        .run()
        .output();
  }

  /**
   * openssl s_client as {@code id} to the sidecar at {@code address}, checking its chain against
   * the bundle {@code id} holds and showing it; the intermediate of {@code id}'s chain goes to a
   * file in {@code dir} ({@code -cert} sends the leaf alone).
   */
  static Run sClient(Path dir, String address, Path id) throws Exception {
    String chain = Files.readString(id.resolve("cert.pem"));
    Path intermediate = Files.createTempFile(dir, "intermediate", ".pem");
    Files.writeString(intermediate, chain.substring(chain.lastIndexOf("-----BEGIN CERTIFICATE")));
    return run(
        "openssl",
        "s_client",
        "-connect",
        address,
        "-tls1_3",
        "-CAfile",
        id.resolve("ca.pem").toString(),
        "-verify_return_error",
        "-cert",
        id.resolve("cert.pem").toString(),
        "-cert_chain",
        intermediate.toString(),
        "-key",
        id.resolve("key.pem").toString(),
        "-showcerts");
  }

  record Run(int exit, String out) {}

  static Run run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    return new Run(p.waitFor(), out.toString(StandardCharsets.UTF_8));
  }

  static void assertStatus(int status, String out) {
    assertTrue(
        Pattern.compile("(?m)^HTTP/[0-9.]+ " + status + " ").matcher(out).find(),
        "expected status " + status + " in:\n" + out);
  }

  interface Check {
    boolean ok() throws Exception;
  }

  static void awaitTrue(String what, Check check) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!check.ok()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(50);
    }
  }

  /** Sends a plaintext HTTP/1.1 request; true if anything that looks like HTTP comes back. */
  static boolean answersPlaintextHttp(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
      s.setSoTimeout(3000);
      s.getOutputStream()
          .write(
              "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      byte[] head = in.readNBytes(5);
      return new String(head, StandardCharsets.US_ASCII).startsWith("HTTP/");
    } catch (SocketTimeoutException e) {
      return false; // silence: no HTTP answer
    } catch (IOException e) {
      return false; // refused or reset: no HTTP answer
    }
  }

  /** The TCP ports this JVM listens on (IPv4 and IPv6), from /proc. */
  static Set<Integer> listeningPorts() throws IOException {
    Set<String> inodes = new HashSet<>();
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    }
    Set<Integer> ports = new TreeSet<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path p = Path.of(table);
      if (!Files.exists(p)) {
        continue;
      }
      List<String> lines = new ArrayList<>(Files.readAllLines(p));
      lines.remove(0); // the header
      for (String line : lines) {
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
        String[] f = line.trim().split("\\s+");
        if (f[3].equals("0A") && inodes.contains(f[9])) { // 0A: LISTEN
          ports.add(Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16));
        }
      }
    }
    return ports;
  }
}
