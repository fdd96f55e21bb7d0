package dev.skiff.wasm;

import static dev.skiff.wasm.Calls.get;
import static dev.skiff.wasm.Calls.respond;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The WAGI contract, request side and response side, in both execution modes. */
class WagiAbiTest {
  private static final Map<ExecutionMode, WasmRuntime> RUNTIMES = new HashMap<>();

  @BeforeAll
  static void startRuntimes() {
    for (ExecutionMode mode : ExecutionMode.values()) {
      RUNTIMES.put(mode, WasmRuntime.builder().withMode(mode).withThreads(4).build());
    }
  }

  @AfterAll
  static void stopRuntimes() {
    RUNTIMES.values().forEach(WasmRuntime::close);
  }

  private static WasmFunction load(ExecutionMode mode, byte[] module, WasmConfig.Builder config) {
    return RUNTIMES.get(mode).load(module, config.build());
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void getWithQuerySetsCgiEnvironmentAndArguments(ExecutionMode mode) {
    var function =
        load(mode, Wat.envDump(), WasmConfig.builder().withName("dump").withEnv("GREETING", "hi"));
    var request =
        WagiRequest.builder()
            .withUri("/api/items/a%20b?name=J%C3%BCrgen&x=1+2&&flag")
            .withHeader("User-Agent", "curl/8")
            .withHeader("X-Multi", "a")
            .withHeader("X-Multi", "b")
            .withHeader("Authorization", "Bearer secret")
            .withRemoteAddr("10.1.2.3")
            .withServer("hello.default.localhost", 8080)
            .withMatchedRoute("/api/...")
            .build();

    var response = respond(function, request);

    assertEquals(200, response.status());
    var dump = Dump.of(response.body());
    assertEquals(List.of("dump", "name=Jürgen", "x=1 2", "flag"), dump.args);
    var env = dump.env;
    assertEquals("GET", env.get("REQUEST_METHOD"));
    assertEquals("/items/a b", env.get("PATH_INFO"));
    assertEquals("/items/a%20b", env.get("X_RAW_PATH_INFO"));
    assertEquals("/api", env.get("SCRIPT_NAME"));
    assertEquals("name=J%C3%BCrgen&x=1+2&&flag", env.get("QUERY_STRING"));
    assertEquals("hello.default.localhost", env.get("SERVER_NAME"));
    assertEquals("8080", env.get("SERVER_PORT"));
    assertEquals("HTTP/1.1", env.get("SERVER_PROTOCOL"));
    assertEquals("CGI/1.1", env.get("GATEWAY_INTERFACE"));
    assertEquals("10.1.2.3", env.get("REMOTE_ADDR"));
    assertEquals("0", env.get("CONTENT_LENGTH"));
    assertEquals("", env.get("CONTENT_TYPE"));
    assertEquals("/api/...", env.get("X_MATCHED_ROUTE"));
    assertEquals(
        "http://hello.default.localhost:8080/api/items/a%20b?name=J%C3%BCrgen&x=1+2&&flag",
        env.get("X_FULL_URL"));
    assertEquals("curl/8", env.get("HTTP_USER_AGENT"));
    assertEquals("a, b", env.get("HTTP_X_MULTI"));
    assertEquals("hi", env.get("GREETING"));
    assertFalse(env.containsKey("HTTP_AUTHORIZATION"), "credentials stay with the host");
    assertFalse(env.containsKey("PATH"), "the host's environment never leaks in");
    assertFalse(env.containsKey("HOME"), "the host's environment never leaks in");
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void cgiVariablesOverrideServiceEnvironment(ExecutionMode mode) {
    var function =
        load(mode, Wat.envDump(), WasmConfig.builder().withEnv("REQUEST_METHOD", "spoofed"));

    var env = Dump.of(get(function, "/").body()).env;

    assertEquals("GET", env.get("REQUEST_METHOD"));
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void postBodyOfOneMebibyteIsEchoedIntact(ExecutionMode mode) throws Exception {
    var function =
        load(mode, Wat.echo("Content-Type: application/octet-stream\n"), WasmConfig.builder());
    byte[] body = new byte[1 << 20];
    new Random(42).nextBytes(body);
    var request =
        WagiRequest.builder()
            .withMethod("POST")
            .withHeader("Content-Type", "application/octet-stream")
            .withBody(body)
            .build();

    var response = respond(function, request);

    assertEquals(200, response.status());
    assertEquals(body.length, response.body().length);
    assertArrayEquals(sha256(body), sha256(response.body()));
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void contentTypeAndLengthOfTheBodyAreInTheEnvironment(ExecutionMode mode) {
    var function = load(mode, Wat.envDump(), WasmConfig.builder());
    var request =
        WagiRequest.builder()
            .withMethod("PUT")
            .withHeader("content-type", "application/json")
            .withBody("{\"a\":1}".getBytes(StandardCharsets.UTF_8))
            .build();

    var env = Dump.of(respond(function, request).body()).env;

    assertEquals("PUT", env.get("REQUEST_METHOD"));
    assertEquals("application/json", env.get("CONTENT_TYPE"));
    assertEquals("7", env.get("CONTENT_LENGTH"));
    assertEquals("application/json", env.get("HTTP_CONTENT_TYPE"));
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void responseHeadersArePassedThroughInOrderWithRepeats(ExecutionMode mode) {
    var function =
        load(
            mode,
            Wat.echo(
                "Content-Type: text/plain\r\n"
                    + "X-Echo: yes\r\n"
                    + "Set-Cookie: a=1\r\n"
                    + "Set-Cookie: b=2\r\n"),
            WasmConfig.builder());

    var response =
        respond(
            function,
            WagiRequest.builder().withBody("ping".getBytes(StandardCharsets.UTF_8)).build());

    assertEquals(200, response.status());
    assertEquals("text/plain", response.header("content-type").orElseThrow());
    assertEquals("yes", response.header("X-Echo").orElseThrow());
    assertEquals(List.of("a=1", "b=2"), response.headers().get("Set-Cookie"));
    assertEquals(
        List.of("Content-Type", "X-Echo", "Set-Cookie"), List.copyOf(response.headers().keySet()));
    assertEquals("ping", response.bodyText());
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void statusHeaderSetsTheStatusCode(ExecutionMode mode) {
    var function =
        load(
            mode,
            Wat.printing("Status: 404 Not Found\nContent-Type: text/plain\n\nnope"),
            WasmConfig.builder());

    var response = get(function, "/missing");

    assertEquals(404, response.status());
    assertEquals("nope", response.bodyText());
    assertFalse(response.headers().containsKey("Status"));
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void locationWithoutStatusRedirectsWith302(ExecutionMode mode) {
    var function = load(mode, Wat.printing("Location: /elsewhere\n\n"), WasmConfig.builder());

    var response = get(function, "/");

    assertEquals(302, response.status());
    assertEquals("/elsewhere", response.header("Location").orElseThrow());
    assertEquals(0, response.body().length);
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void locationWithExplicitStatusKeepsTheStatus(ExecutionMode mode) {
    var function =
        load(
            mode,
            Wat.printing("Status: 301\r\nLocation: https://example.com/\r\n\r\n"),
            WasmConfig.builder());

    assertEquals(301, get(function, "/").status());
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void exitZeroAfterWritingIsSuccess(ExecutionMode mode) {
    var function = load(mode, Wat.exit(0), WasmConfig.builder());

    // exit(0) with no output: the run succeeded, the output is not a response
    assertEquals(502, get(function, "/").status());
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void everyRequestStartsFromAFreshInstance(ExecutionMode mode) {
    var function = load(mode, Wat.statefulCounter(), WasmConfig.builder());

    for (int i = 0; i < 3; i++) {
      // global, memory cell and table size each start from scratch: nothing leaks between requests
      assertEquals("000100010002", get(function, "/").bodyText());
    }
  }

  private static byte[] sha256(byte[] bytes) throws NoSuchAlgorithmException {
    return MessageDigest.getInstance("SHA-256").digest(bytes);
  }

  /** The envDump module's body: argv, 0x01, environ. */
  private static final class Dump {
    final List<String> args;
    final Map<String, String> env = new HashMap<>();

    private Dump(List<String> args) {
      this.args = args;
    }

    static Dump of(byte[] body) {
      String text = new String(body, StandardCharsets.UTF_8);
      int split = text.indexOf('\u0001');
      assertTrue(split >= 0, "dump separator missing: " + text);
      var dump = new Dump(strings(text.substring(0, split)));
      for (String entry : strings(text.substring(split + 1))) {
        int eq = entry.indexOf('=');
        dump.env.put(entry.substring(0, eq), entry.substring(eq + 1));
      }
      return dump;
    }

    private static List<String> strings(String nulTerminated) {
      return nulTerminated.isEmpty()
          ? List.of()
          : Arrays.asList(nulTerminated.substring(0, nulTerminated.length() - 1).split("\0", -1));
    }
  }

  @ParameterizedTest
  @EnumSource(ExecutionMode.class)
  void stdinFillsScatteredBuffersInOrderAndAClosedStdinReadsAsBadDescriptor(ExecutionMode mode) {
    var function = load(mode, Wat.scatteredEchoThenClosedStdin(), WasmConfig.builder());
    String body = "the quick brown fox jumps over the lazy dog";

    var response =
        respond(
            function,
            WagiRequest.builder()
                .withMethod("POST")
                .withBody(body.getBytes(StandardCharsets.UTF_8))
                .build());

    // 8 is WASI's EBADF: the body once, in order, then descriptor 0 is gone.
    assertEquals(200, response.status());
    assertEquals(body + "8", response.bodyText());
    assertEquals("8", respond(function, WagiRequest.builder().build()).bodyText());
  }
}
