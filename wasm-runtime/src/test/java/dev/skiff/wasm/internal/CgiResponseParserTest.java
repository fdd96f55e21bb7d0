package dev.skiff.wasm.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.wasm.MalformedResponseException;
import dev.skiff.wasm.WagiResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CgiResponseParserTest {
  private final List<String> warnings = new ArrayList<>();

  private WagiResponse parse(String stdout) {
    return CgiResponseParser.parse(stdout.getBytes(StandardCharsets.ISO_8859_1), warnings::add);
  }

  @Test
  void acceptsLfSeparatedHeaders() {
    var response = parse("Content-Type: text/plain\n\nbody\n");

    assertEquals(200, response.status());
    assertEquals("text/plain", response.header("Content-Type").orElseThrow());
    assertEquals("body\n", response.bodyText());
  }

  @Test
  void acceptsCrLfSeparatedHeaders() {
    var response = parse("Content-Type: text/html\r\nX-A: 1\r\n\r\n<p>\r\n\r\n</p>");

    assertEquals("1", response.header("x-a").orElseThrow());
    assertEquals("<p>\r\n\r\n</p>", response.bodyText());
  }

  @Test
  void bodyIsKeptByteForByte() {
    byte[] stdout =
        new byte[] {
          'S', 't', 'a', 't', 'u', 's', ':', ' ', '2', '0', '0', '\n', '\n', 0, (byte) 0xff, '\n'
        };

    var response = CgiResponseParser.parse(stdout, warnings::add);

    assertArrayEquals(new byte[] {0, (byte) 0xff, '\n'}, response.body());
  }

  @Test
  void statusWithReasonPhraseSetsTheCode() {
    assertEquals(418, parse("Status: 418 I'm a teapot\nContent-Type: text/plain\n\n").status());
  }

  @Test
  void statusAloneIsASufficientResponse() {
    assertEquals(204, parse("Status: 204\n\n").status());
  }

  @Test
  void locationWithoutStatusIs302() {
    var response = parse("Location: https://example.com/\n\n");

    assertEquals(302, response.status());
    assertEquals("https://example.com/", response.header("Location").orElseThrow());
  }

  @Test
  void locationAfterStatusKeepsTheStatus() {
    assertEquals(307, parse("Status: 307\nLocation: /x\n\n").status());
  }

  @Test
  void repeatedHeadersKeepEveryValue() {
    var response = parse("Content-Type: text/plain\nSet-Cookie: a=1\nSet-Cookie: b=2\n\n");

    assertEquals(List.of("a=1", "b=2"), response.headers().get("Set-Cookie"));
  }

  @Test
  void missingSeparatorIsMalformed() {
    var error =
        assertThrows(
            MalformedResponseException.class, () -> parse("Content-Type: text/plain\nhello"));

    assertTrue(error.getMessage().contains("no empty line"), error.getMessage());
  }

  @Test
  void emptyOutputIsMalformed() {
    assertThrows(MalformedResponseException.class, () -> parse(""));
  }

  @Test
  void invalidStatusIsMalformed() {
    assertThrows(MalformedResponseException.class, () -> parse("Status: 9999\n\n"));
    assertThrows(MalformedResponseException.class, () -> parse("Status: abc\n\n"));
    assertThrows(MalformedResponseException.class, () -> parse("Status: 099\n\n"));
  }

  @Test
  void responseWithoutContentTypeLocationOrStatusIsMalformed() {
    assertThrows(MalformedResponseException.class, () -> parse("X-Only: this\n\nbody"));
  }

  @Test
  void linesThatAreNotHeadersAreSkippedWithAWarning() {
    var response = parse("Content-Type: text/plain\nnot a header\nBad Name: x\n\nok");

    assertEquals(1, response.headers().size());
    assertEquals(2, warnings.size());
    assertEquals("ok", response.bodyText());
  }

  @Test
  void headerValueWithCarriageReturnIsRefusedNamingTheHeader() {
    var e =
        assertThrows(
            MalformedResponseException.class,
            () -> parse("Content-Type: text/plain\nX-Evil: a\rSet-Cookie: b\n\n"));

    assertTrue(e.getMessage().contains("'X-Evil'"), e.getMessage());
    assertTrue(e.getMessage().contains("CR"), e.getMessage());
  }

  @Test
  void headerValueWithNulIsRefused() {
    var e =
        assertThrows(
            MalformedResponseException.class,
            () -> parse("Content-Type: text/plain\nX-Nul: a\0b\n\n"));

    assertTrue(e.getMessage().contains("'X-Nul'"), e.getMessage());
  }

  @Test
  void headerValueWithTabIsKept() {
    assertEquals("a\tb", parse("Content-Type: text/plain\nX-Tab: a\tb\n\n").header("X-Tab").get());
  }

  @Test
  void onlyTheWrittenPartOfALargerBufferIsParsed() {
    byte[] buffer = new byte[64];
    java.util.Arrays.fill(buffer, (byte) '\n');
    byte[] written = "Content-Type: text/plain\n\nhi".getBytes(StandardCharsets.ISO_8859_1);
    System.arraycopy(written, 0, buffer, 0, written.length);

    var response = CgiResponseParser.parse(buffer, written.length, warnings::add);

    assertEquals("hi", response.bodyText());
    var headersOnly = "Content-Type: text/plain\n".getBytes(StandardCharsets.ISO_8859_1);
    assertThrows(
        MalformedResponseException.class,
        () -> CgiResponseParser.parse(buffer, headersOnly.length, warnings::add),
        "the blank line after what was written does not count");
  }
}
