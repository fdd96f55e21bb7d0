package dev.skiff.cli.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.cli.internal.GatewayClient.Header;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class InvokeAndLogViewsTest {
  private static final String LINE =
      "{\"time\":\"2026-11-21T03:04:05.123Z\",\"revision\":\"hello-00001\","
          + "\"instance\":\"default.hello-00001.1\",\"stream\":\"stderr\",\"line\":\"boom: x\"}";

  @Test
  void hostIsNameNamespaceAndTheDomainOfTheServiceUrl() {
    assertEquals(
        "hello.default.localhost",
        ServiceHost.of("http://hello.default.localhost", "hello", "default", null));
    assertEquals(
        "canary-hello.team-a.apps.example.com",
        ServiceHost.of("https://hello.team-a.apps.example.com:8443/", "hello", "team-a", "canary"));
  }

  @Test
  void hostOfAnotherUrlTemplateIsTakenWhole() {
    assertEquals(
        "hello.example.com", ServiceHost.of("http://hello.example.com", "hello", "ns", null));
    assertEquals(
        "v2-hello.example.com", ServiceHost.of("http://hello.example.com", "hello", "ns", "v2"));
  }

  @Test
  void serviceWithoutUrlHasNoHost() {
    CliException e =
        assertThrows(CliException.class, () -> ServiceHost.of(null, "hello", "default", null));
    assertTrue(e.getMessage().startsWith("service hello has no usable URL"), e.getMessage());
  }

  @Test
  void headIsTheStatusLineAndHeadersInCrlfLines() {
    assertEquals(
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Skiff-Revision: hello-00001\r\n\r\n",
        InvokeView.head(
            "HTTP/1.1 200 OK",
            List.of(
                new Header("Content-Type", "text/plain"),
                new Header("X-Skiff-Revision", "hello-00001"))));
  }

  @Test
  void documentJoinsRepeatedHeadersAndNamesTheRevision() {
    JsonNode doc =
        InvokeView.document(
            201,
            List.of(
                new Header("Set-Thing", "a"),
                new Header("x-skiff-revision", "hello-00002"),
                new Header("SET-THING", "b")),
            "héllo".getBytes(StandardCharsets.UTF_8));
    assertEquals(
        "{\"status\":201,\"headers\":{\"set-thing\":\"a, b\",\"x-skiff-revision\":\"hello-00002\"},"
            + "\"body\":\"héllo\",\"bodyEncoding\":\"utf-8\",\"revision\":\"hello-00002\"}",
        doc.toString());
  }

  @Test
  void logLineInEachFormat() {
    assertEquals(
        "2026-11-21T03:04:05.123Z hello-00001 stderr: boom: x\n",
        LogView.render(LINE, Format.TABLE));
    assertEquals(LINE + "\n", LogView.render(LINE, Format.JSON));
    String yaml = LogView.render(LINE, Format.YAML);
    assertTrue(yaml.startsWith("---\ntime: "), yaml);
    assertTrue(yaml.contains("\nline: \"boom: x\"\n"), yaml);
  }

  @Test
  void controlCharactersInALogLineAreEscapedInTheTableAndKeptInJson() {
    String hostile =
        "{\"time\":\"t\",\"revision\":\"r\\u001b[1m\",\"stream\":\"stdout\","
            + "\"line\":\"\\u001b[2J\\u001b]0;owned\\u0007\\r\\nfake\"}";
    assertEquals(
        "t r\\x1b[1m stdout: \\x1b[2J\\x1b]0;owned\\x07\\r\\nfake\n",
        LogView.render(hostile, Format.TABLE));
    assertEquals(hostile + "\n", LogView.render(hostile, Format.JSON));
    assertEquals("\\x1b[2Jx\n", LogView.render("\u001b[2Jx", Format.TABLE)); // not JSON
  }

  @Test
  void controlCharactersInResponseHeadersAreEscaped() {
    assertEquals(
        "HTTP/1.1 200 OK\r\nX-Evil: \\x1b]0;owned\\x07\r\n\r\n",
        InvokeView.head("HTTP/1.1 200 OK", List.of(new Header("X-Evil", "\u001b]0;owned\u0007"))));
  }

  @Test
  void blankLinesAreSkippedAndOddOnesKept() {
    assertEquals("", LogView.render("", Format.TABLE));
    assertEquals("not json\n", LogView.render("not json", Format.TABLE));
    assertEquals("- - -: \n", LogView.render("{}", Format.TABLE)); // missing fields show as -
  }
}
