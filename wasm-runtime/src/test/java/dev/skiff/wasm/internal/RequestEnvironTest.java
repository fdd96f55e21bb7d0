package dev.skiff.wasm.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.skiff.wasm.WagiRequest;
import dev.skiff.wasm.WasmConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RequestEnvironTest {
  private static final WasmConfig PLAIN = WasmConfig.builder().withName("fn").build();

  /** What the node gives every deployed service, with a variable of the service's own. */
  private static final WasmConfig DEPLOYED =
      WasmConfig.builder()
          .withName("fn")
          .withEnv("GREETING", "hello, world")
          .withEnv("K_SERVICE", "event")
          .withEnv("K_REVISION", "event-00001")
          .withEnv("K_CONFIGURATION", "event")
          .build();

  @Test
  void anEventsEnvironmentIsWhatTheMapGives() {
    var request =
        WagiRequest.builder()
            .withMethod("POST")
            .withUri("/some/path?a=1")
            .withHeader("ce-specversion", "1.0")
            .withHeader("ce-id", "partition:3/offset:4711")
            .withHeader("ce-source", "/skiff/default/triggers/bench#events")
            .withHeader("Content-Type", "application/octet-stream")
            .withHeader("Host", "event.default.svc.skiff.local:8080")
            .withHeader("Authorization", "Bearer secret")
            .withHeader("connection", "keep-alive")
            .withHeader("Accept", "a/b")
            .withHeader("Accept", "c/d")
            .withBody(new byte[1024])
            .withRemoteAddr("10.0.0.1")
            .withServer("event.default.svc.skiff.local", 8080)
            .build();

    assertSameAsTheMap(request, PLAIN);
    assertSameAsTheMap(request, DEPLOYED);
  }

  @Test
  void whatTheMapJoinsOrReplacesIsStillJoinedAndReplaced() {
    // Two names for one variable (case, '-' against '_'), a service environment the CGI variables
    // replace in place, and text that is not ASCII: all as the map has them.
    var dupes =
        WagiRequest.builder()
            .withHeader("X-Dup", "1")
            .withHeader("x-dup", "2")
            .withHeader("X_DUP", "3")
            .build();
    assertSameAsTheMap(dupes, PLAIN);
    var configured =
        WasmConfig.builder()
            .withName("fn")
            .withEnv("FOO", "bar")
            .withEnv("SERVER_SOFTWARE", "spoofed")
            .withEnv("HTTP_X_A", "from config")
            .build();
    assertSameAsTheMap(WagiRequest.builder().withHeader("X-A", "from client").build(), configured);
    assertSameAsTheMap(
        WagiRequest.builder().build(),
        WasmConfig.builder().withName("fn").withEnv("N\u00c4ME", "v").build());
    assertSameAsTheMap(WagiRequest.builder().withHeader("X-Name", "J\u00fcrgen").build(), PLAIN);
    assertSameAsTheMap(WagiRequest.builder().withHeader("X-N\u00e4me", "v").build(), PLAIN);
    assertSameAsTheMap(WagiRequest.builder().withUri("/p%C3%A4th?q=%E2%82%AC").build(), PLAIN);
    var emptyValues = new LinkedHashMap<String, List<String>>();
    emptyValues.put("X-None", List.of());
    emptyValues.put("X-Two", List.of("a", ""));
    assertSameAsTheMap(WagiRequest.builder().withHeaders(emptyValues).build(), PLAIN);
  }

  @Test
  void randomHeadersGiveWhatTheMapGives() {
    var random = new Random(13);
    String alphabet = "aZ-_09.\u00e9Cc";
    for (int round = 0; round < 2_000; round++) {
      var headers = new LinkedHashMap<String, List<String>>();
      int count = random.nextInt(8);
      for (int i = 0; i < count; i++) {
        String name = text(random, alphabet, 1 + random.nextInt(3));
        String[] values = new String[random.nextInt(3)];
        for (int v = 0; v < values.length; v++) {
          values[v] = text(random, alphabet + " ,", random.nextInt(4));
        }
        headers.put(name, List.of(values));
      }
      if (random.nextInt(10) == 0) {
        headers.put(random.nextBoolean() ? "AUTHORIZATION" : "Connection", List.of("x"));
      }
      assertSameAsTheMap(
          WagiRequest.builder().withHeaders(headers).build(), round % 2 == 0 ? PLAIN : DEPLOYED);
    }
  }

  private static String text(Random random, String alphabet, int length) {
    var s = new StringBuilder();
    for (int i = 0; i < length; i++) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return s.toString();
  }

  private static void assertSameAsTheMap(WagiRequest request, WasmConfig config) {
    Map<String, String> env = CgiEnvironment.env(request, config);
    assertArrayEquals(
        guestView(Environ.of(env)),
        guestView(RequestEnviron.of(request, config)),
        () -> "environment of " + request.headers() + " with " + config.env());
  }

  /** What environ_sizes_get and environ_get hand the guest: the count, the size, then the block. */
  private static int[] guestView(Environ environ) {
    var memory = new ByteArrayMemory(new MemoryLimits(1));
    environ.sizesGet(memory, 0, 4);
    int count = memory.readInt(0);
    int size = memory.readInt(4);
    environ.get(memory, 1000, 8000);
    int[] view = new int[2 + count + size];
    view[0] = count;
    view[1] = size;
    for (int i = 0; i < count; i++) {
      view[2 + i] = memory.readInt(1000 + 4 * i);
    }
    byte[] block = memory.readBytes(8000, size);
    for (int i = 0; i < size; i++) {
      view[2 + count + i] = block[i];
    }
    assertEquals(size, block.length);
    return view;
  }
}
