package dev.skiff.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InProcessHeadersTest {

  private static List<Map.Entry<String, String>> entries(MultiMap m) {
    return m.entries().stream()
        .map(e -> Map.entry(e.getKey().toLowerCase(), e.getValue()))
        .toList();
  }

  @Test
  void replacesClientHeadersWithUpstreamOnesAndKeepsHost() {
    MultiMap request =
        HttpHeaders.headers()
            .add("Host", "hello.default.localhost")
            .add("User-Agent", "curl/8")
            .add("Accept", "*/*")
            .add("Connection", "keep-alive, X-Secret")
            .add("X-Secret", "hop")
            .add("Skiff-Revision-Name", "forged")
            .add("Cookie", "a=1")
            .add("Cookie", "b=2");
    MultiMap upstream =
        MultiMap.caseInsensitiveMultiMap()
            .add("user-agent", "curl/8")
            .add("Accept", "*/*")
            .add("Cookie", "a=1")
            .add("Cookie", "b=2")
            .add("X-Forwarded-For", "127.0.0.1")
            .add("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

    InProcessHeaders.replace(request, upstream);

    assertEquals(
        List.of(
            Map.entry("host", "hello.default.localhost"),
            Map.entry("user-agent", "curl/8"),
            Map.entry("accept", "*/*"),
            Map.entry("cookie", "a=1"),
            Map.entry("cookie", "b=2"),
            Map.entry("x-forwarded-for", "127.0.0.1"),
            Map.entry("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")),
        entries(request));
  }

  @Test
  void upstreamHostAndPseudoHeadersReplaceTheRequestsOwn() {
    MultiMap request =
        MultiMap.caseInsensitiveMultiMap()
            .add(":authority", "kept.example")
            .add(":path", "/a")
            .add("HOST", "old.example")
            .add("x-old", "1");
    MultiMap upstream =
        MultiMap.caseInsensitiveMultiMap().add("Host", "new.example").add(":path", "/b");

    InProcessHeaders.replace(request, upstream);

    assertEquals(
        List.of(
            Map.entry(":authority", "kept.example"),
            Map.entry("host", "new.example"),
            Map.entry(":path", "/b")),
        entries(request));
  }

  @Test
  void noUpstreamHeadersLeavesOnlyHostAndPseudoHeaders() {
    MultiMap request =
        HttpHeaders.headers().add("host", "h").add("a", "1").add("b", "2").add("a", "3");

    InProcessHeaders.replace(request, HttpHeaders.headers());

    assertEquals(List.of(Map.entry("host", "h")), entries(request));
  }
}
