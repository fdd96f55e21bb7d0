package dev.skiff.wasm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.wasm.WagiRequest;
import dev.skiff.wasm.WasmConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

class CgiEnvironmentTest {
  private static final WasmConfig CONFIG = WasmConfig.builder().withName("fn").build();

  @Test
  void argumentsAreTheNameThenTheDecodedQueryTerms() {
    var request = WagiRequest.builder().withUri("/?a=1&b=%2F%20x&&c+d&%zz").build();

    assertEquals(List.of("fn", "a=1", "b=/ x", "c d", "%zz"), CgiEnvironment.args(request, "fn"));
  }

  @Test
  void emptyQueryGivesOnlyTheName() {
    assertEquals(List.of("fn"), CgiEnvironment.args(WagiRequest.builder().build(), "fn"));
  }

  @Test
  void headerNamesBecomeUpperCaseHttpVariables() {
    var request =
        WagiRequest.builder().withHeader("x-request-id", "42").withHeader("Accept", "*/*").build();

    var env = CgiEnvironment.env(request, CONFIG);

    assertEquals("42", env.get("HTTP_X_REQUEST_ID"));
    assertEquals("*/*", env.get("HTTP_ACCEPT"));
  }

  @Test
  void catchAllRouteLeavesScriptNameEmptyAndPathInfoWhole() {
    var env = CgiEnvironment.env(WagiRequest.builder().withUri("/a/b").build(), CONFIG);

    assertEquals("", env.get("SCRIPT_NAME"));
    assertEquals("/a/b", env.get("PATH_INFO"));
  }

  @Test
  void exactRouteIsTheScriptName() {
    var request = WagiRequest.builder().withUri("/hello").withMatchedRoute("/hello").build();

    var env = CgiEnvironment.env(request, CONFIG);

    assertEquals("/hello", env.get("SCRIPT_NAME"));
    assertEquals("", env.get("PATH_INFO"));
  }

  @Test
  void givenFullUrlIsPassedUnchanged() {
    var request = WagiRequest.builder().withFullUrl("https://x.example/p?q").build();

    assertEquals("https://x.example/p?q", CgiEnvironment.env(request, CONFIG).get("X_FULL_URL"));
  }

  @Test
  void headerVariablesAreTheNameUpperCasedWithUnderscoresForAnyName() {
    for (String name :
        List.of("ce-id", "Content-Type", "X_Already_Under", "a1-B2", "weiß", "ınt", "x-ÿ", "")) {
      assertEquals(
          "HTTP_" + name.toUpperCase(java.util.Locale.ROOT).replace('-', '_'),
          CgiEnvironment.variable(name),
          name);
    }
  }

  @Test
  void repeatedHeadersAreJoinedAndCredentialsStayWithTheServer() {
    var request =
        WagiRequest.builder()
            .withHeader("X-Tag", "a")
            .withHeader("X-Tag", "b")
            .withHeader("x-tag", "c")
            .withHeader("authorization", "Bearer secret")
            .withHeader("Connection", "keep-alive")
            .build();

    var env = CgiEnvironment.env(request, CONFIG);

    assertEquals("a, b, c", env.get("HTTP_X_TAG"));
    assertEquals(null, env.get("HTTP_AUTHORIZATION"));
    assertEquals(null, env.get("HTTP_CONNECTION"));
  }
}
