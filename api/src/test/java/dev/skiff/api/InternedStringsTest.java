package dev.skiff.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.WasmModule;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InternedStringsTest {

  private static String fresh(String s) {
    return new String(s.toCharArray());
  }

  private static ObjectMeta meta() {
    return new ObjectMeta(
        "hello",
        fresh("team-a"),
        null,
        null,
        null,
        null,
        Map.of(fresh("app"), fresh("web")),
        Map.of(fresh("autoscaling.knative.dev/min-scale"), fresh("0")));
  }

  @Test
  void copiesOfOneResourceShareTheirRepeatedStrings() {
    ObjectMeta a = meta();
    ObjectMeta b = meta();

    assertEquals(a, b);
    assertSame(a.namespace(), b.namespace());
    String key = a.annotations().keySet().iterator().next();
    assertSame(key, b.annotations().keySet().iterator().next());
    assertSame(a.annotations().get(key), b.annotations().get(key));
    assertSame(a.labels().get("app"), b.labels().get("app"));
    String digest = "sha256:" + "ab".repeat(32);
    assertSame(
        WasmModule.ofDigest(fresh(digest)).digest(), WasmModule.ofDigest(fresh(digest)).digest());
  }

  @Test
  void annotationsStayImmutableAndRefuseNulls() {
    ObjectMeta m = meta();
    assertThrows(UnsupportedOperationException.class, () -> m.annotations().put("x", "y"));
    Map<String, String> withNull = new HashMap<>();
    withNull.put("a", null);
    assertThrows(
        NullPointerException.class,
        () -> new ObjectMeta("n", null, null, null, null, null, null, withNull));
    assertEquals(Map.of(), new ObjectMeta("n", null, null, null, null, null, null, null).labels());
  }
}
