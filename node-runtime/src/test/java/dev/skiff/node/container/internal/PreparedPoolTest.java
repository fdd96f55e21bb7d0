package dev.skiff.node.container.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PreparedPoolTest {
  private static Prepared prepared(String key) {
    return new Prepared(key, null, null, null, "{}", null, null, new Teardown());
  }

  @Test
  void holdsOnePerRevisionAndGivesBackTheOneReplaced() {
    PreparedPool pool = new PreparedPool(4);
    Prepared a1 = prepared("a1");
    assertEquals(List.of(), pool.put("ns/a", a1));
    Prepared a2 = prepared("a2");
    assertEquals(List.of(a1), pool.put("ns/a", a2));
    assertEquals(List.of("a2"), pool.keys());
  }

  @Test
  void atItsBoundTheEldestMakesRoom() {
    PreparedPool pool = new PreparedPool(2);
    Prepared a = prepared("a");
    Prepared b = prepared("b");
    Prepared c = prepared("c");
    pool.put("ns/a", a);
    pool.put("ns/b", b);
    assertEquals(List.of(a), pool.put("ns/c", c));
    assertEquals(List.of("b", "c"), pool.keys());
    assertFalse(pool.has("ns/a"));
  }

  @Test
  void takesCountHitsAndMisses() {
    PreparedPool pool = new PreparedPool(2);
    Prepared a = prepared("a");
    pool.put("ns/a", a);
    assertSame(a, pool.take("ns/a"));
    assertNull(pool.take("ns/a"));
    assertEquals(1, pool.taken());
    assertEquals(1, pool.missed());
    assertTrue(pool.keys().isEmpty());
  }

  @Test
  void aPoolBoundAtZeroKeepsNothing() {
    PreparedPool pool = new PreparedPool(0);
    Prepared a = prepared("a");
    assertFalse(pool.enabled());
    assertEquals(List.of(a), pool.put("ns/a", a));
    assertTrue(pool.keys().isEmpty());
  }
}
