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
  void readOnlyTokenCannotIssue() throws Exception {
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
    }
  }
}
