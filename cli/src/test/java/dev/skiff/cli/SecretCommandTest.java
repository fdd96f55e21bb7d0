package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.EnvSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@code skiff secret ...} and {@code deploy --env-secret} against the real control plane. */
class SecretCommandTest extends CliTestCase {
  static final String PASSWORD = "pa55-Wq7dKx0v";
  static final String CERT = "-----BEGIN-FAKE-----zZyY1290";

  private CliRunner.Result createDb() throws IOException {
    Path cert = Files.writeString(dir.resolve("tls.crt"), CERT);
    return ok(
        "secret",
        "create",
        "db",
        "--from-literal",
        "password=" + PASSWORD,
        "--from-file",
        "cert=" + cert,
        "--from-file",
        cert.toString());
  }

  @Test
  void createListDescribeShowKeysAndSizesButNeverValues() throws IOException {
    CliRunner.Result created = createDb();
    assertEquals("Secret db created with 3 key(s): cert, password, tls.crt\n", created.out());
    assertEquals(
        Map.of("password", PASSWORD, "cert", CERT, "tls.crt", CERT),
        controlPlane.secretValues("default", "db"));

    String list = ok("secret", "list").out();
    assertTrue(list.contains("db") && list.contains("cert,password,tls.crt"), list);
    String describe = ok("secret", "describe", "db").out();
    assertTrue(describe.contains("  password: " + PASSWORD.length() + " bytes"), describe);
    for (String format : List.of("yaml", "json")) {
      String out = ok("secret", "describe", "db", "-o", format).out();
      assertFalse(out.contains(PASSWORD) || out.contains(CERT), out);
    }
    assertFalse(list.contains(PASSWORD) || describe.contains(PASSWORD));
    assertEquals(List.of(), filesContaining(controlPlane.dataDir(), PASSWORD));
    assertEquals(List.of(), filesContaining(controlPlane.dataDir(), CERT));

    assertEquals("Secret db deleted.\n", ok("secret", "delete", "db").out());
    CliRunner.Result gone = cli.run("secret", "describe", "db");
    assertEquals(1, gone.code(), gone::toString);
    assertTrue(gone.err().contains("does not exist"), gone.err());
  }

  @Test
  void badInputIsAUsageErrorBeforeAnythingIsSent() {
    CliRunner.Result none = cli.run("secret", "create", "db");
    assertEquals(2, none.code(), none::toString);
    CliRunner.Result noKey = cli.run("secret", "create", "db", "--from-literal", "=x");
    assertEquals(2, noKey.code(), noKey::toString);
    CliRunner.Result badKey = cli.run("secret", "create", "db", "--from-literal", "a/b=x");
    assertEquals(2, badKey.code(), badKey::toString);
    assertTrue(badKey.err().contains("stringData.a/b: is not a valid key"), badKey.err());
    CliRunner.Result noFile =
        cli.run("secret", "create", "db", "--from-file", "k=" + dir.resolve("absent"));
    assertEquals(2, noFile.code(), noFile::toString);
    assertTrue(controlPlane.requests.stream().noneMatch(r -> r.contains("/secrets")));
  }

  @Test
  void deployEnvSecretReferencesTheKeyAndDescribeShowsNoValue() throws IOException {
    createDb();
    ok(
        "deploy",
        "hello",
        "--image",
        "registry.local/hello:1",
        "--env-secret",
        "DB_PASSWORD=db:password",
        "--no-wait");
    assertEquals(
        Map.of("DB_PASSWORD", EnvSource.secretKey("db", "password")),
        controlPlane.service("default", "hello").spec().template().envValueFrom());
    String yaml = ok("describe", "hello", "-o", "yaml").out();
    assertTrue(yaml.contains("envValueFrom"), yaml);
    assertFalse(yaml.contains(PASSWORD), yaml);

    CliRunner.Result bad =
        cli.run("deploy", "web", "--image", "registry.local/web:1", "--env-secret", "X=db");
    assertEquals(2, bad.code(), bad::toString);
    assertTrue(bad.err().contains("--env-secret X"), bad.err());
  }

  @Test
  void applyTakesKubernetesSecretsAndConfigMaps() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("config.yaml"),
            """
            apiVersion: v1
            kind: Secret
            metadata:
              name: api-key
            type: Opaque
            stringData:
              key: %s
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
            data:
              MODE: fast
            """
                .formatted(PASSWORD));
    CliRunner.Result r = ok("apply", "-f", file.toString(), "-o", "json");
    assertFalse(r.out().contains(PASSWORD), r.out());
    assertEquals(PASSWORD, controlPlane.secretValues("default", "api-key").get("key"));
  }

  static List<Path> filesContaining(Path root, String needle) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      return files
          .filter(Files::isRegularFile)
          .filter(
              f -> {
                try {
                  return new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)
                      .contains(needle);
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              })
          .toList();
    }
  }
}
