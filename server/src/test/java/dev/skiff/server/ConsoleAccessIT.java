package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's files are public and hold no data; everything else on the API port still needs the
 * token, and the API's Host check still holds for the console.
 */
class ConsoleAccessIT {
  @TempDir static Path dir;
  static RunningSkiffd skiffd;

  @BeforeAll
  static void start() throws Exception {
    skiffd = RunningSkiffd.start(dir.resolve("data"));
  }

  @AfterAll
  static void stop() {
    skiffd.close();
  }

  private static String get(String path, String host, String token) throws Exception {
    try (Socket s = new Socket("127.0.0.1", skiffd.skiffd.apiPort())) {
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET "
                  + path
                  + " HTTP/1.1\r\nHost: "
                  + host
                  + "\r\n"
                  + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
                  + "Connection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void servesTheConsoleWithoutATokenUnderAStrictContentSecurityPolicy() throws Exception {
    String page = get("/ui/", "127.0.0.1", null);
    assertTrue(page.startsWith("HTTP/1.1 200"), page);
    String lower = page.toLowerCase(java.util.Locale.ROOT);
    assertTrue(
        lower.contains("content-security-policy: default-src 'none'; script-src 'self';"), page);
    assertTrue(lower.contains("frame-ancestors 'none'"), page);
    assertTrue(lower.contains("x-content-type-options: nosniff"), page);
    assertFalse(page.contains("<script>"), "no inline script: " + page);
    assertTrue(get("/ui/app.js", "127.0.0.1", null).contains("text/javascript"));
    assertTrue(get("/ui", "127.0.0.1", null).startsWith("HTTP/1.1 302"));
    assertTrue(get("/ui/secrets.txt", "127.0.0.1", null).startsWith("HTTP/1.1 404"));
  }

  @Test
  void theApiBehindTheConsolesPathStillNeedsTheToken() throws Exception {
    assertTrue(get("/ui/../v1/services", "127.0.0.1", null).startsWith("HTTP/1.1 401"));
    assertTrue(get("/ui/%2e%2e/v1/services", "127.0.0.1", null).startsWith("HTTP/1.1 401"));
    assertTrue(get("/v1/stats/revisions", "127.0.0.1", null).startsWith("HTTP/1.1 401"));
    String stats = get("/v1/stats/revisions", "127.0.0.1", skiffd.token());
    assertTrue(stats.startsWith("HTTP/1.1 200") && stats.contains("\"revisions\""), stats);
  }

  @Test
  void aForeignHostGetsNoConsoleEither() throws Exception {
    assertTrue(get("/ui/", "rebind.evil.example", null).startsWith("HTTP/1.1 421"));
  }
}
