package dev.skiff.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.MultiMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class HopByHopTest {

  @Test
  void dropsHopByHopHeadersAndThoseConnectionNamesAndKeepsRepeatedOnes() {
    MultiMap from =
        MultiMap.caseInsensitiveMultiMap()
            .add("Connection", "keep-alive, X-Secret")
            .add("Keep-Alive", "timeout=5")
            .add("Transfer-Encoding", "chunked")
            .add("Upgrade", "h2c")
            .add("X-Secret", "hop")
            .add("Set-Cookie", "a=1")
            .add("Set-Cookie", "b=2")
            .add("Content-Type", "text/plain")
            .add("Host", "owned");
    MultiMap to = MultiMap.caseInsensitiveMultiMap();

    HopByHop.copy(from, to, Set.of("host"));

    assertEquals(
        Set.of("set-cookie", "content-type"),
        Set.copyOf(to.names().stream().map(String::toLowerCase).toList()));
    assertEquals(List.of("a=1", "b=2"), to.getAll("set-cookie"));
  }
}
