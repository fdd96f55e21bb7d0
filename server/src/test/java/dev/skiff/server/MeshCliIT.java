package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testing.Prerequisites;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mesh CA through a real skiffd and the real {@code skiff mesh} commands, with what they write
 * checked by a real {@code openssl} process.
 */
class MeshCliIT {
  static final Path OPENSSL = Path.of("/usr/bin/openssl");

  @TempDir Path dir;

  @BeforeEach
  void needsOpenssl() {
    Prerequisites.requireExecutable(OPENSSL, "apt-get install openssl");
  }

  record Run(int exit, String out) {}

  static Run openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(OPENSSL.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "openssl did not end");
    return new Run(p.exitValue(), out);
  }

  static void verifies(Path bundle, Path cert) throws Exception {
    // cert.pem holds the leaf and then the intermediate: the intermediate is the untrusted link.
    Run v =
        openssl(
            "verify",
            "-CAfile",
            bundle.toString(),
            "-untrusted",
            cert.toString(),
            "-purpose",
            "sslclient",
            cert.toString());
    assertEquals(0, v.exit(), v.out());
    assertTrue(v.out().contains(": OK"), v.out());
  }

  @Test
  void issuedFilesAreAKeyItsCertificateAndABundleOpensslAccepts() throws Exception {
    try (RunningSkiffd skiffd =
        RunningSkiffd.start(dir.resolve("data"), 30, o -> o.trustDomain = "example.test")) {
      Cli cli = new Cli(skiffd);
      Path out = dir.resolve("hello");
      cli.ok(
          "mesh",
          "issue",
          "-n",
          "team-a",
          "--service",
          "hello",
          "--ttl",
          "2h",
          "--out",
          out.toString());
      Path cert = out.resolve("cert.pem");
      Path key = out.resolve("key.pem");
      Path ca = out.resolve("ca.pem");
      verifies(ca, cert);
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));

      Run text = openssl("x509", "-in", cert.toString(), "-noout", "-text");
      assertEquals(0, text.exit(), text.out());
      assertTrue(text.out().contains("URI:spiffe://example.test/ns/team-a/svc/hello"), text.out());
      assertTrue(
          text.out().contains("TLS Web Server Authentication, TLS Web Client Authentication"),
          text.out());
      assertTrue(text.out().contains("Digital Signature"), text.out());
      assertTrue(text.out().contains("CA:FALSE"), text.out());
      assertTrue(text.out().contains("prime256v1") || text.out().contains("P-256"), text.out());

      // The key on disk is the certificate's key.
      Run certKey = openssl("x509", "-in", cert.toString(), "-noout", "-pubkey");
      Run fileKey = openssl("pkey", "-in", key.toString(), "-pubout");
      assertEquals(0, fileKey.exit(), fileKey.out());
      assertEquals(certKey.out(), fileKey.out());

      assertEquals(Files.readString(ca), cli.ok("mesh", "ca").out());
      var status = cli.ok("mesh", "status", "-o", "json").json();
      assertEquals("example.test", status.path("trustDomain").asText());
      assertEquals(
          "spiffe://example.test/ns/team-a/svc/hello",
          status.path("identities").path(0).path("spiffeId").asText());
      assertTrue(
          cli.ok("mesh", "status").out().contains("spiffe://example.test/ns/team-a/svc/hello"));
    }
  }

  @Test
  void caSurvivesARestartAndAnotherTrustDomainIsRefusedOverTheSameData() throws Exception {
    Path data = dir.resolve("data");
    String bundle;
    try (RunningSkiffd skiffd = RunningSkiffd.start(data)) {
      bundle = new Cli(skiffd).ok("mesh", "ca").out();
    }
    try (RunningSkiffd skiffd = RunningSkiffd.start(data)) {
      assertEquals(bundle, new Cli(skiffd).ok("mesh", "ca").out());
    }
    Exception refused =
        org.junit.jupiter.api.Assertions.assertThrows(
            Exception.class,
            () -> RunningSkiffd.start(data, 30, o -> o.trustDomain = "other.test"));
    String message = String.valueOf(refused.getMessage()) + refused.getCause();
    assertTrue(message.contains("skiff.local"), message);
  }

  @Test
  void afterARootRotationOldAndNewCertificatesVerifyAgainstTheNewBundle() throws Exception {
    try (RunningSkiffd skiffd = RunningSkiffd.start(dir.resolve("data"))) {
      Cli cli = new Cli(skiffd);
      Path before = dir.resolve("before");
      cli.ok("mesh", "issue", "--service", "hello", "--out", before.toString());
      String rotated = cli.ok("mesh", "rotate-root").out();
      assertTrue(rotated.contains("next"), rotated);
      Path bundle = dir.resolve("bundle.pem");
      Files.writeString(bundle, cli.ok("mesh", "ca").out());
      verifies(bundle, before.resolve("cert.pem"));
      assertEquals(2, Files.readString(bundle).split("BEGIN CERTIFICATE").length - 1);

      cli.ok("mesh", "rotate-root", "--finish");
      Path after = dir.resolve("after");
      cli.ok("mesh", "issue", "--service", "hello", "--out", after.toString());
      verifies(after.resolve("ca.pem"), after.resolve("cert.pem"));
      Run old =
          openssl(
              "verify",
              "-CAfile",
              after.resolve("ca.pem").toString(),
              "-untrusted",
              before.resolve("cert.pem").toString(),
              before.resolve("cert.pem").toString());
      assertNotEquals(0, old.exit(), "the finished rotation dropped the old root: " + old.out());
    }
  }

  @Test
  void readOnlyTokenCannotIssueButANodeBootstrapTokenCan() throws Exception {
    try (RunningSkiffd skiffd = RunningSkiffd.start(dir.resolve("data"))) {
      Cli admin = new Cli(skiffd);
      String token = admin.ok("token", "create", "viewer", "--read-only").out().trim();
      java.util.Map<String, String> env = new java.util.HashMap<>();
      env.put("SKIFF_SERVER", skiffd.api());
      env.put("SKIFF_TOKEN", token);
      env.put("SKIFF_CONFIG_DIR", dir.resolve("empty-config").toString());
      Cli viewer = new Cli(env);
      Path out = dir.resolve("denied");
      var r = viewer.run("mesh", "issue", "--service", "hello", "--out", out.toString());
      assertEquals(1, r.exit(), r.out() + r.err());
      assertTrue(r.err().contains("may not ask for mesh certificates"), r.err());
      assertTrue(Files.notExists(out.resolve("key.pem")), "nothing written on a refusal");
      assertEquals(0, viewer.run("mesh", "ca").exit());

      String bootstrap = admin.ok("token", "create", "node-1", "--node").out().trim();
      env.put("SKIFF_TOKEN", bootstrap);
      Path issued = dir.resolve("node-issued");
      new Cli(env).ok("mesh", "issue", "--service", "hello", "--out", issued.toString());
      verifies(issued.resolve("ca.pem"), issued.resolve("cert.pem"));
      assertEquals(2, admin.run("token", "create", "x", "--node", "--admin").exit());
    }
  }

  @Test
  void certificatesFromSkiffMeshIssueCompleteATls13MutualHandshakeBetweenOpensslPeers()
      throws Exception {
    try (RunningSkiffd skiffd = RunningSkiffd.start(dir.resolve("data"))) {
      Cli cli = new Cli(skiffd);
      Path server = dir.resolve("server");
      Path client = dir.resolve("client");
      cli.ok("mesh", "issue", "-n", "team-a", "--service", "hello", "--out", server.toString());
      cli.ok("mesh", "issue", "-n", "team-a", "--service", "caller", "--out", client.toString());
      int port;
      try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
        port = free.getLocalPort();
      }
      Process s =
          new ProcessBuilder(
                  OPENSSL.toString(),
                  "s_server",
                  "-accept",
                  "127.0.0.1:" + port,
                  "-naccept",
                  "1",
                  "-tls1_3",
                  "-cert",
                  server.resolve("cert.pem").toString(),
                  "-cert_chain",
                  server.resolve("cert.pem").toString(),
                  "-key",
                  server.resolve("key.pem").toString(),
                  "-CAfile",
                  server.resolve("ca.pem").toString(),
                  "-Verify",
                  "2",
                  "-verify_return_error",
                  "-www")
              .redirectErrorStream(true)
              .start();
      try {
        java.util.concurrent.CompletableFuture<Void> accepting =
            new java.util.concurrent.CompletableFuture<>();
        StringBuilder serverOut = new StringBuilder();
        Thread reader =
            new Thread(
                () -> {
                  try (var lines =
                      new java.io.BufferedReader(
                          new java.io.InputStreamReader(
                              s.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = lines.readLine()) != null) {
                      synchronized (serverOut) {
                        serverOut.append(line).append('\n');
                      }
                      if (line.contains("ACCEPT")) {
                        accepting.complete(null);
                      }
                    }
                  } catch (java.io.IOException e) {
                    accepting.completeExceptionally(e);
                  }
                  accepting.complete(null);
                });
        reader.start();
        accepting.get(30, TimeUnit.SECONDS);
        Process c =
            new ProcessBuilder(
                    OPENSSL.toString(),
                    "s_client",
                    "-connect",
                    "127.0.0.1:" + port,
                    "-tls1_3",
                    "-cert",
                    client.resolve("cert.pem").toString(),
                    "-cert_chain",
                    client.resolve("cert.pem").toString(),
                    "-key",
                    client.resolve("key.pem").toString(),
                    "-CAfile",
                    client.resolve("ca.pem").toString(),
                    "-verify_return_error",
                    "-brief")
                .redirectErrorStream(true)
                .start();
        c.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        c.getOutputStream().flush();
        String clientOut = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(c.waitFor(30, TimeUnit.SECONDS), "s_client did not end");
        assertTrue(s.waitFor(30, TimeUnit.SECONDS), "s_server did not end");
        reader.join(5000);
        assertEquals(0, c.exitValue(), clientOut);
        assertTrue(clientOut.contains("Protocol version: TLSv1.3"), clientOut);
        assertTrue(clientOut.contains("Verification: OK"), clientOut);
        String page;
        synchronized (serverOut) {
          page = serverOut.toString();
        }
        assertEquals(0, s.exitValue(), page);
      } finally {
        s.destroy();
      }
    }
  }

  @Test
  void csrMadeByOpensslIsSignedAndOneAskingForAnotherNameIsRefused() throws Exception {
    try (RunningSkiffd skiffd = RunningSkiffd.start(dir.resolve("data"))) {
      Path key = dir.resolve("key.pem");
      assertEquals(
          0,
          openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key.toString())
              .exit());
      Path csr = dir.resolve("req.csr");
      Run made =
          openssl(
              "req", "-new", "-key", key.toString(), "-subj", "/O=skiff", "-out", csr.toString());
      assertEquals(0, made.exit(), made.out());
      assertEquals(201, postCsr(skiffd, Files.readString(csr)).statusCode());

      Path foreign = dir.resolve("foreign.csr");
      Run asked =
          openssl(
              "req",
              "-new",
              "-key",
              key.toString(),
              "-subj",
              "/O=skiff",
              "-addext",
              "subjectAltName=URI:spiffe://skiff.local/skiff/gateway",
              "-out",
              foreign.toString());
      assertEquals(0, asked.exit(), asked.out());
      var refused = postCsr(skiffd, Files.readString(foreign));
      assertEquals(422, refused.statusCode(), refused.body());
      assertTrue(refused.body().contains("spiffe://skiff.local/skiff/gateway"), refused.body());

      Path rsaKey = dir.resolve("rsa.pem");
      assertEquals(
          0,
          openssl(
                  "genpkey",
                  "-algorithm",
                  "RSA",
                  "-pkeyopt",
                  "rsa_keygen_bits:2048",
                  "-out",
                  rsaKey.toString())
              .exit());
      Path rsaCsr = dir.resolve("rsa.csr");
      assertEquals(
          0,
          openssl(
                  "req",
                  "-new",
                  "-key",
                  rsaKey.toString(),
                  "-subj",
                  "/O=skiff",
                  "-out",
                  rsaCsr.toString())
              .exit());
      var rsa = postCsr(skiffd, Files.readString(rsaCsr));
      assertEquals(422, rsa.statusCode(), rsa.body());
      assertTrue(rsa.body().contains("RSA"), rsa.body());
    }
  }

  private static java.net.http.HttpResponse<String> postCsr(RunningSkiffd skiffd, String csr)
      throws Exception {
    String body =
        dev.skiff.api.manifest.Json.mapper()
            .createObjectNode()
            .put("csr", csr)
            .put("namespace", "team-a")
            .put("service", "hello")
            .toString();
    var req =
        java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(skiffd.api() + "/v1/mesh/certificates"))
            .header("Authorization", "Bearer " + skiffd.token())
            .header("Content-Type", "application/json")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body))
            .timeout(java.time.Duration.ofSeconds(30))
            .build();
    return java.net.http.HttpClient.newHttpClient()
        .send(req, java.net.http.HttpResponse.BodyHandlers.ofString());
  }
}
