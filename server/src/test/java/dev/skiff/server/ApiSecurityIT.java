package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API's boundary on a real skiffd: tokens made at first start and found by the CLI, refusals
 * over real sockets, internal ports on loopback, and HTTPS (checked with curl) when exposed.
 */
class ApiSecurityIT {
  @TempDir Path dir;

  @Test
  void firstStartMakesAPrivateAdminTokenThatTheCliProcessFindsByItself() throws Exception {
    Path data = dir.resolve("data");
    String token;
    try (RunningSkiffd s = RunningSkiffd.start(data)) {
      Path file = data.resolve("admin.token");
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
      token = Files.readString(file).trim();
      assertTrue(token.length() >= 43 + 6, token);
      Path creds = s.configDir().resolve("credentials.json");
      assertEquals(
          "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(creds)));
      assertEquals(
          "rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(s.configDir())));

      // A separate skiff process, as the same user, with no token given: exit 0.
      Map<String, String> env =
          Map.of("HOME", dir.toString(), "SKIFF_CONFIG_DIR", s.configDir().toString());
      Proc found = skiff(env, "--server", s.api(), "list");
      assertEquals(0, found.exit(), found.toString());
      assertTrue(found.out().contains("No services") || found.out().contains("NAME"), found.out());

      // Another user (no credentials file, no .skiff here): a clear error naming where it looked.
      Map<String, String> stranger =
          Map.of("HOME", dir.toString(), "SKIFF_CONFIG_DIR", dir.resolve("none").toString());
      Proc lost = skiff(stranger, "--server", s.api(), "list");
      assertEquals(1, lost.exit(), lost.toString());
      assertTrue(lost.err().contains("no token for " + s.api()), lost.err());
      assertTrue(lost.err().contains("SKIFF_TOKEN") && lost.err().contains("--token"), lost.err());
    }
    try (RunningSkiffd again = RunningSkiffd.start(data)) {
      assertEquals(token, again.token(), "a restart keeps the admin token");
    }
  }

  @Test
  void apiRefusesStrangersAndAdminStatusWritesButServesTheAgent() throws Exception {
    try (RunningSkiffd s = RunningSkiffd.start(dir.resolve("data"));
        Http http = new Http(HttpVersion.HTTP_1_1)) {
      int port = s.skiffd.apiPort();
      var anon = http.get(port, "127.0.0.1", "/v1/services");
      assertEquals(401, anon.status(), anon.text());
      assertTrue(anon.headers().get("WWW-Authenticate").startsWith("Bearer"));
      assertEquals(200, http.get(port, "127.0.0.1", "/healthz").status());
      assertEquals(200, http.get(port, "127.0.0.1", "/metrics").status());

      new Cli(s).ok("deploy", "hello", "--image", "registry.invalid/hello:1", "--no-wait");
      Map<String, String> admin = new java.util.HashMap<>(s.auth());
      admin.put("Content-Type", "application/json");
      var status =
          http.send(
              HttpMethod.PUT,
              port,
              "127.0.0.1",
              "/v1/namespaces/default/revisions/hello-00001/status",
              admin,
              Buffer.buffer("{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\"}]}"));
      assertEquals(403, status.status(), status.text());

      var plain = new java.util.HashMap<>(s.auth());
      plain.put("Content-Type", "text/plain");
      var text =
          http.send(
              HttpMethod.POST,
              port,
              "127.0.0.1",
              "/v1/namespaces/default/services",
              plain,
              Buffer.buffer("{}"));
      assertEquals(415, text.status(), text.text());
      var rebinding =
          http.send(HttpMethod.GET, port, "evil.example", "/v1/services", s.auth(), null);
      assertEquals(421, rebinding.status(), rebinding.text());
      // skiff token create: a CI token for one namespace, used through SKIFF_TOKEN.
      Cli operator = new Cli(s);
      String ci = operator.ok("token", "create", "ci", "-n", "team-a").out().trim();
      Cli asCi =
          new Cli(
              Map.of(
                  "SKIFF_SERVER", s.api(), "SKIFF_TOKEN", ci, "SKIFF_CONFIG_DIR", dir.toString()));
      asCi.ok("deploy", "app", "-n", "team-a", "--image", "registry.invalid/app:1", "--no-wait");
      Cli.Result outside =
          asCi.run("deploy", "app", "-n", "default", "--image", "registry.invalid/app:1");
      assertEquals(1, outside.exit(), outside.err());
      assertTrue(outside.err().contains("may only use namespace 'team-a'"), outside.err());
      assertTrue(operator.ok("token", "list").out().contains("ci"));
      operator.ok("token", "delete", "ci");
      assertEquals(1, asCi.run("list", "-n", "team-a").exit());

      var origin = new java.util.HashMap<>(s.auth());
      origin.put("Origin", "http://evil.example");
      assertEquals(
          403, http.send(HttpMethod.GET, port, "127.0.0.1", "/v1/services", origin, null).status());
    }
  }

  @Test
  void exposedApiSpeaksOnlyTlsAndTheActivatorStaysOnLoopback() throws Exception {
    Path data = dir.resolve("data");
    try (RunningSkiffd s =
        RunningSkiffd.start(
            data,
            30,
            o -> {
              o.host = "0.0.0.0";
              o.apiHost = "0.0.0.0";
              o.examples = true;
            })) {
      List<String> activator = listeners(s.skiffd.activatorPort());
      assertTrue(
          !activator.isEmpty() && activator.stream().allMatch(ApiSecurityIT::isLoopback),
          "the activator listens on 127.0.0.1 only: " + activator);
      List<String> gateway = listeners(s.skiffd.gatewayPort());
      assertTrue(
          gateway.stream().anyMatch(a -> a.matches("0+")), "the gateway took --host: " + gateway);

      Path cert = data.resolve("api-tls/cert.pem");
      assertTrue(Files.exists(cert));
      assertEquals(
          "rw-------",
          PosixFilePermissions.toString(
              Files.getPosixFilePermissions(data.resolve("api-tls/key.pem"))));
      String url = "https://127.0.0.1:" + s.skiffd.apiPort();
      assertEquals(url, s.api());
      Proc ok =
          run(
              Map.of(),
              "curl",
              "-sS",
              "--cacert",
              cert.toString(),
              "-o",
              "/dev/null",
              "-w",
              "%{http_code}",
              "-H",
              "Authorization: Bearer " + s.token(),
              url + "/v1/services");
      assertEquals(0, ok.exit(), ok.toString());
      assertEquals("200", ok.out());
      Proc plain =
          run(
              Map.of(),
              "curl",
              "-sS",
              "-o",
              "/dev/null",
              "http://127.0.0.1:" + s.skiffd.apiPort() + "/v1/services");
      assertNotEquals(0, plain.exit(), "plain HTTP must not be served: " + plain);

      // The CLI (a real process) uses the URL and CA skiffd recorded.
      Proc list =
          skiff(
              Map.of("HOME", dir.toString(), "SKIFF_CONFIG_DIR", s.configDir().toString()),
              "--server",
              url,
              "list");
      assertEquals(0, list.exit(), list.toString());
    }
  }

  record Proc(int exit, String out, String err) {}

  private Proc skiff(Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.skiff.cli.Skiff");
    cmd.addAll(List.of(args));
    return run(env, cmd.toArray(String[]::new));
  }

  private Proc run(Map<String, String> env, String... cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.environment().remove("SKIFF_TOKEN");
    pb.environment().remove("SKIFF_SERVER");
    pb.environment().putAll(env);
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", cmd) + " did not end");
    return new Proc(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private static boolean isLoopback(String hex) {
    return hex.equals("0100007F") || hex.equals("0000000000000000FFFF00000100007F");
  }

  /** The local addresses (hex, as /proc/net/tcp{,6} show them) of listeners on {@code port}. */
  private static List<String> listeners(int port) throws Exception {
    String hexPort = String.format(":%04X", port);
    List<String> found = new ArrayList<>();
    List<String> lines = new ArrayList<>(Files.readAllLines(Path.of("/proc/net/tcp")));
    Path tcp6 = Path.of("/proc/net/tcp6");
    if (Files.exists(tcp6)) {
      lines.addAll(Files.readAllLines(tcp6));
    }
    for (String line : lines) {
      String[] f = line.trim().split("\\s+");
      if (f.length > 3 && f[1].endsWith(hexPort) && f[3].equals("0A")) {
        found.add(f[1].substring(0, f[1].indexOf(':')));
      }
    }
    return found;
  }
}
