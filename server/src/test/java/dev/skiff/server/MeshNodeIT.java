package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.examples.Examples;
import dev.skiff.testing.Prerequisites;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
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
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * skiffd with the mesh switch on: every instance behind its own sidecar. A Wasm service is found
 * through {@code GET /v1/instances} and called directly at its sidecar's address by curl and
 * openssl, with the files {@code skiff mesh issue} writes.
 */
class MeshNodeIT {
  static final String MIN_SCALE = "autoscaling.knative.dev/min-scale=1";

  @TempDir static Path dir;
  static RunningSkiffd skiffd;
  static Cli cli;
  static Http http;
  static Path sameNamespace;
  static Path otherNamespace;

  @BeforeAll
  static void start() throws Exception {
    Prerequisites.require(
        Files.isExecutable(Path.of("/usr/bin/curl")), "curl", "apt-get install curl");
    Prerequisites.require(
        Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl", "apt-get install openssl");
    skiffd = RunningSkiffd.start(dir.resolve("data"), 30, o -> o.meshFlag = "on");
    cli = new Cli(skiffd);
    http = new Http(HttpVersion.HTTP_1_1);
    deploy("hello");
    sameNamespace = issue("default", "caller");
    otherNamespace = issue("other", "caller");
  }

  @AfterAll
  static void stop() {
    if (http != null) {
      http.close();
    }
    if (skiffd != null) {
      skiffd.close();
    }
  }

  @Test
  void listsTheInstanceWithItsSidecarsAddressAndIdentity() throws Exception {
    JsonNode i = readyInstance("hello");

    assertEquals("default", i.get("namespace").asText());
    assertEquals("hello-00001", i.get("revision").asText());
    assertEquals("wasm", i.get("kind").asText());
    assertEquals("local", i.get("node").asText());
    assertEquals(0, i.get("restarts").asInt());
    assertFalse(i.get("startedAt").isNull());
    assertTrue(i.get("address").asText().matches("127\\.0\\.0\\.1:\\d+"), i.toString());
    assertEquals("spiffe://skiff.local/ns/default/svc/hello", i.get("identity").asText());
    JsonNode none = instances("nowhere", null);
    assertEquals(0, none.get("items").size(), "an unknown namespace is an empty list");
  }

  @Test
  void theSameNamespaceGets200AndAnotherGets403WithTheJsonBody() throws Exception {
    String address = readyInstance("hello").get("address").asText();

    String ok = curl(address, sameNamespace);
    String denied = curl(address, otherNamespace);

    assertStatus(200, ok);
    assertTrue(ok.contains("Hello"), ok);
    assertStatus(403, denied);
    assertTrue(
        denied.contains(
            "\"error\":\"caller spiffe://skiff.local/ns/other/svc/caller is not allowed by this"
                + " service's policy"),
        denied);
    assertTrue(denied.contains("\"hint\""), denied);
  }

  @Test
  void theSidecarProvesTheServicesIdentityUnderTheMeshCa() throws Exception {
    String address = readyInstance("hello").get("address").asText();
    Path intermediate = Files.createTempFile(dir, "intermediate", ".pem");
    String chain = Files.readString(sameNamespace.resolve("cert.pem"));
    Files.writeString(intermediate, chain.substring(chain.lastIndexOf("-----BEGIN CERTIFICATE")));

    Run r =
        run(
            "openssl",
            "s_client",
            "-connect",
            address,
            "-tls1_3",
            "-CAfile",
            sameNamespace.resolve("ca.pem").toString(),
            "-verify_return_error",
            "-cert",
            sameNamespace.resolve("cert.pem").toString(),
            "-cert_chain",
            intermediate.toString(),
            "-key",
            sameNamespace.resolve("key.pem").toString(),
            "-showcerts");

    assertEquals(0, r.exit(), r.out());
    assertTrue(r.out().contains("Verify return code: 0 (ok)"), r.out());
  }

  @Test
  void aCallerWithoutAClientCertificateIsRefusedAtTheHandshake() throws Exception {
    String address = readyInstance("hello").get("address").asText();

    Run r = run("curl", "-sS", "-i", "--max-time", "10", "--insecure", "https://" + address + "/");

    assertNotEquals(0, r.exit(), r.out());
    assertFalse(r.out().contains("HTTP/"), r.out());
  }

  @Test
  void plaintextHttpToTheSidecarGetsNoHttpAnswer() throws Exception {
    String address = readyInstance("hello").get("address").asText();
    int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));

    assertFalse(answersPlaintextHttp(port), "the sidecar answered plaintext HTTP");
  }

  @Test
  void aPolicyChangeThroughTheApiAppliesToTheRunningSidecar() throws Exception {
    deploy("guarded");
    JsonNode before = readyInstance("guarded");
    String address = before.get("address").asText();
    assertStatus(403, curl(address, otherNamespace));

    ObjectNode service = (ObjectNode) api(HttpMethod.GET, "services/guarded", null);
    ((ObjectNode) service.get("spec"))
        .putObject("authorization")
        .putArray("allow")
        .add("spiffe://skiff.local/ns/other/svc/*");
    ((ObjectNode) service.get("metadata")).remove("resourceVersion");
    api(HttpMethod.PUT, "services/guarded", service);

    awaitTrue(
        "the running sidecar lets the other namespace in",
        () -> curl(address, otherNamespace).matches("(?s)HTTP/[0-9.]+ 200.*"));
    assertStatus(403, curl(address, sameNamespace)); // allow replaces the namespace default
    JsonNode after = readyInstance("guarded");
    assertEquals(before.get("name"), after.get("name"), "the same instance, not a new revision");
    assertEquals(address, after.get("address").asText());
  }

  /**
   * Every TCP port this JVM listens on gets a plaintext HTTP request: only the API and the gateway
   * may answer.
   */
  @Test
  void onlyTheApiAndTheGatewayAnswerPlaintextHttp() throws Exception {
    String sidecar = readyInstance("hello").get("address").asText();
    Set<Integer> ports = listeningPorts();
    assertTrue(ports.contains(skiffd.skiffd.apiPort()), "found the API's port: " + ports);
    assertTrue(
        ports.contains(Integer.parseInt(sidecar.substring(sidecar.lastIndexOf(':') + 1))),
        "found the sidecar's port: " + ports);
    // The activator's port answers plaintext until the mesh-clients branch makes it mTLS; the
    // lead removes this exemption when both halves are merged.
    ports.remove(skiffd.skiffd.activatorPort());

    Set<Integer> answering = new TreeSet<>();
    for (int port : ports) {
      if (answersPlaintextHttp(port)) {
        answering.add(port);
      }
    }

    assertEquals(
        new TreeSet<>(Set.of(skiffd.skiffd.apiPort(), skiffd.gatewayPort())),
        answering,
        "ports answering plaintext HTTP among " + ports);
  }

  // -- helpers -------------------------------------------------------------------------------

  static void deploy(String name) throws Exception {
    Path file = Files.write(dir.resolve(name + ".wasm"), Examples.wasm(Examples.HELLO));
    cli.ok("deploy", name, "--wasm", file.toString(), "--annotation", MIN_SCALE);
  }

  static Path issue(String namespace, String service) throws Exception {
    Path out = dir.resolve("id-" + namespace + "-" + service);
    cli.ok("mesh", "issue", "-n", namespace, "--service", service, "--out", out.toString());
    return out;
  }

  static JsonNode instances(String namespace, String service) throws Exception {
    String uri =
        "/v1/instances?namespace=" + namespace + (service == null ? "" : "&service=" + service);
    Http.Response r =
        http.send(HttpMethod.GET, skiffd.skiffd.apiPort(), "127.0.0.1", uri, skiffd.auth(), null);
    assertEquals(200, r.status(), r.text());
    return Json.mapper().readTree(r.text());
  }

  /** The service's one Ready instance, once there is one. */
  static JsonNode readyInstance(String service) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
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

  static JsonNode api(HttpMethod method, String path, JsonNode body) throws Exception {
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

  static String curl(String address, Path id) throws Exception {
    return run(
            "curl",
            "-sS",
            "-i",
            "--max-time",
            "10",
            "--tlsv1.3",
            "--insecure",
            "--cert",
            id.resolve("cert.pem").toString(),
            "--key",
            id.resolve("key.pem").toString(),
            "https://" + address + "/")
        .out();
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
  static boolean answersPlaintextHttp(int port) throws IOException {
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
      return false;
    } catch (IOException e) {
      return false; // reset: no HTTP answer
    }
  }

  /** The TCP ports this JVM listens on (IPv4 and IPv6), from /proc. */
  static Set<Integer> listeningPorts() throws IOException {
    Set<String> inodes = new java.util.HashSet<>();
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
      lines.remove(0);
      Predicate<String[]> listening = f -> f[3].equals("0A");
      for (String line : lines) {
        String[] f = line.trim().split("\\s+");
        if (listening.test(f) && inodes.contains(f[9])) {
          String local = f[1];
          ports.add(Integer.parseInt(local.substring(local.indexOf(':') + 1), 16));
        }
      }
    }
    return ports;
  }
}
