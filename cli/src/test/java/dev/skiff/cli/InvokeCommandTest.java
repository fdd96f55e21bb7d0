package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code skiff invoke} against the real control plane in process and a stand-in gateway that routes
 * by Host.
 */
class InvokeCommandTest {
  @TempDir Path dir;
  private LocalControlPlane controlPlane;
  private FakeGateway gateway;
  private CliRunner cli;

  @BeforeEach
  void start() throws IOException {
    controlPlane = LocalControlPlane.start();
    gateway =
        FakeGateway.start(
            Map.of(
                "hello.default.localhost", "hello-00001",
                "canary-hello.default.localhost", "hello-00002"));
    cli = CliRunner.against(controlPlane).withEnv("SKIFF_GATEWAY", gateway.url());
    // invoke reads only the service's status.url; whether the revision or tag is ready is the
    // gateway's business, so no node reports on it.
    controlPlane.node.stopStarting();
    ok("deploy", "hello", "--image", "registry.local/hello:1", "--no-wait");
  }

  @AfterEach
  void stop() {
    gateway.close();
    controlPlane.close();
  }

  private CliRunner.Result ok(String... args) {
    CliRunner.Result r = cli.run(args);
    assertEquals(0, r.code(), () -> String.join(" ", args) + " -> " + r);
    return r;
  }

  @Test
  void sendsTheServiceHostThroughTheGatewayAndPrintsTheBody() {
    CliRunner.Result r = ok("invoke", "hello");
    assertEquals("hello from hello-00001\n", r.out());
    assertEquals("", r.err());
    FakeGateway.Received got = gateway.only();
    assertEquals("hello.default.localhost", got.header("Host"));
    assertEquals("GET", got.method());
    assertEquals("/", got.target());
  }

  @Test
  void tagAddressesTheTagHostAndPathCarriesTheQuery() {
    CliRunner.Result r = ok("invoke", "hello", "--tag", "canary", "--path", "/greet?name=ann");
    assertEquals("hello from hello-00002\n", r.out());
    FakeGateway.Received got = gateway.only();
    assertEquals("canary-hello.default.localhost", got.header("Host"));
    assertEquals("/greet?name=ann", got.target());
  }

  @Test
  void hostGivenWithHeaderOptionReplacesTheServiceHost() {
    ok("invoke", "hello", "-H", "Host: canary-hello.default.localhost", "-H", "Accept: text/*");
    FakeGateway.Received got = gateway.only();
    assertEquals(List.of("canary-hello.default.localhost"), got.headers().get("Host"));
    assertEquals(List.of("text/*"), got.headers().get("Accept"));
  }

  @Test
  void gatewayOptionWinsOverTheEnvironment() throws IOException {
    try (FakeGateway other = FakeGateway.start(Map.of("hello.default.localhost", "other-1"))) {
      CliRunner.Result r = ok("invoke", "hello", "--gateway", other.url() + "/");
      assertEquals("hello from other-1\n", r.out());
      assertEquals(List.of(), gateway.received);
    }
  }

  @Test
  void postsAFileByteForByteAndPrintsABinaryAnswerUnchanged() throws IOException {
    byte[] bytes = new byte[100_000];
    new Random(42).nextBytes(bytes);
    for (int i = 0; i < 256; i++) {
      bytes[i] = (byte) i; // every byte value, CR, LF and NUL included
    }
    Path file = dir.resolve("payload.bin");
    Files.write(file, bytes);

    CliRunner.Result r = ok("invoke", "hello", "--data", "@" + file);
    FakeGateway.Received got = gateway.only();
    assertEquals("POST", got.method());
    assertEquals("application/octet-stream", got.header("Content-Type"));
    assertArrayEquals(bytes, got.body());
    assertArrayEquals(bytes, r.outBytes()); // the fake echoes it
  }

  @Test
  void readsTheBodyFromStandardInput() {
    byte[] bytes = {0, 1, 2, (byte) 0xff, '\r', '\n', (byte) 0xc3};
    CliRunner.Result r = cli.runWithStdin(bytes, "invoke", "hello", "--data", "-");
    assertEquals(0, r.code(), r::toString);
    assertArrayEquals(bytes, gateway.only().body());
    assertArrayEquals(bytes, r.outBytes());
  }

  @Test
  void sendsLiteralTextWithTheGivenMethodAndHeaders() {
    ok(
        "invoke",
        "hello",
        "--method",
        "put",
        "--data",
        "{\"name\": \"änne\"}",
        "-H",
        "Content-Type: application/json",
        "-H",
        "X-Trace:abc",
        "-H",
        "X-Multi: 1",
        "-H",
        "X-Multi: 2");
    FakeGateway.Received got = gateway.only();
    assertEquals("PUT", got.method());
    assertEquals("{\"name\": \"änne\"}", new String(got.body(), StandardCharsets.UTF_8));
    assertEquals(List.of("application/json"), got.headers().get("Content-Type"));
    assertEquals("abc", got.header("X-Trace"));
    assertEquals(List.of("1", "2"), got.headers().get("X-Multi"));
  }

  @Test
  void literalTextIsSentAsUtf8TextByDefault() {
    ok("invoke", "hello", "--data", "hi");
    assertEquals("text/plain; charset=utf-8", gateway.only().header("Content-Type"));
  }

  @Test
  void includePrintsTheStatusLineAndHeadersFirst() {
    String out = ok("invoke", "hello", "-i").out();
    assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n"), out);
    String head = out.substring(0, out.indexOf("\r\n\r\n") + 4);
    assertTrue(
        head.toLowerCase(Locale.ROOT).contains("\r\nx-skiff-revision: hello-00001\r\n"), head);
    assertTrue(
        head.toLowerCase(Locale.ROOT).contains("\r\ncontent-type: text/plain; charset=utf-8\r\n"),
        head);
    assertEquals("hello from hello-00001\n", out.substring(head.length()));
  }

  @Test
  void headRequestPrintsNoBody() {
    assertEquals("", ok("invoke", "hello", "--method", "HEAD").out());
    assertEquals("HEAD", gateway.only().method());
  }

  @Test
  void errorStatusExitsWithOneAndReportsItOnStderr() {
    CliRunner.Result r = cli.run("invoke", "hello", "--path", "/status/503");
    assertEquals(1, r.code(), r::toString);
    assertEquals("status 503 from hello-00001\n", r.out());
    assertEquals(
        "Error: HTTP 503 from GET /status/503 (Host hello.default.localhost)\n"
            + "status 503 from hello-00001\n",
        r.err());
  }

  @Test
  void redirectIsAnAnswerNotFollowed() {
    CliRunner.Result r = ok("invoke", "hello", "--path", "/status/302", "-i");
    assertTrue(r.out().startsWith("HTTP/1.1 302 "), r.out());
    assertTrue(r.out().contains("Location: /elsewhere\r\n"), r.out());
    assertEquals(1, gateway.received.size());
  }

  @Test
  void jsonOutputIsOneDocumentWithStatusHeadersBodyAndRevision() {
    JsonNode doc = ok("invoke", "hello", "--tag", "canary", "-o", "json").json();
    assertEquals(200, doc.get("status").asInt());
    assertEquals("hello from hello-00002\n", doc.get("body").asText());
    assertEquals("utf-8", doc.get("bodyEncoding").asText());
    assertEquals("hello-00002", doc.get("revision").asText());
    assertEquals("hello-00002", doc.get("headers").get("x-skiff-revision").asText());
    assertEquals("fake-gateway, test", doc.get("headers").get("x-served-by").asText());
  }

  @Test
  void jsonOutputCarriesABinaryBodyAsBase64() {
    byte[] bytes = {(byte) 0xff, (byte) 0xfe, 0, 1};
    CliRunner.Result r = cli.runWithStdin(bytes, "invoke", "hello", "-d", "-", "-o", "json");
    assertEquals(0, r.code(), r::toString);
    JsonNode doc = r.json();
    assertEquals("base64", doc.get("bodyEncoding").asText());
    assertArrayEquals(bytes, Base64.getDecoder().decode(doc.get("body").asText()));
  }

  @Test
  void jsonOutputOfAFailureStillPrintsTheDocument() {
    CliRunner.Result r = cli.run("invoke", "hello", "--tag", "nosuch", "-o", "json");
    assertEquals(1, r.code(), r::toString);
    JsonNode doc = r.json();
    assertEquals(404, doc.get("status").asInt());
    assertTrue(doc.get("revision").isNull(), doc.toString());
    assertTrue(
        r.err().startsWith("Error: HTTP 404 from GET / (Host nosuch-hello.default.localhost)\n"),
        r.err());
    assertTrue(r.err().contains("no service 'nosuch-hello' in namespace 'default'"), r.err());
  }

  @Test
  void unknownServiceIsReportedWithoutCallingTheGateway() {
    CliRunner.Result r = cli.run("invoke", "nope");
    assertEquals(1, r.code(), r::toString);
    assertTrue(r.err().startsWith("Error: no service nope in namespace default\n"), r.err());
    assertEquals(List.of(), gateway.received);
  }

  @Test
  void unreachableGatewayExitsWithOne() {
    String url = gateway.url();
    gateway.close();
    CliRunner.Result r = cli.run("invoke", "hello", "--gateway", url);
    assertEquals(1, r.code(), r::toString);
    assertTrue(r.err().startsWith("Error: cannot reach the gateway at " + url), r.err());
  }
}
