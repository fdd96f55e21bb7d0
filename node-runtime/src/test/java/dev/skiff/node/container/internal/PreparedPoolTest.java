package dev.skiff.node.container.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PreparedPoolTest {
  private static final Object T1 = "template 1";
  private static final Object T2 = "template 2";

  private static Prepared prepared(String key) {
    return new Prepared(key, null, null, null, "{}", null, null, new Teardown());
  }

  @Test
  void holdsOnePerRevisionAndGivesBackTheOneReplaced() {
    PreparedPool pool = new PreparedPool(4);
    Prepared a1 = prepared("a1");
    assertEquals(List.of(), pool.put("ns/a", a1, T1));
    Prepared a2 = prepared("a2");
    assertEquals(List.of(a1), pool.put("ns/a", a2, T1));
    assertEquals(List.of("a2"), pool.keys());
  }

  @Test
  void atItsBoundTheEldestMakesRoom() {
    PreparedPool pool = new PreparedPool(2);
    Prepared a = prepared("a");
    Prepared b = prepared("b");
    Prepared c = prepared("c");
    pool.put("ns/a", a, T1);
    pool.put("ns/b", b, T1);
    assertEquals(List.of(a), pool.put("ns/c", c, T1));
    assertEquals(List.of("b", "c"), pool.keys());
    assertFalse(pool.has("ns/a"));
  }

  @Test
  void takesCountHitsAndMisses() {
    PreparedPool pool = new PreparedPool(2);
    Prepared a = prepared("a");
    pool.put("ns/a", a, T1);
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
    assertEquals(List.of(a), pool.put("ns/a", a, T1));
    assertTrue(pool.keys().isEmpty());
  }

  @Test
  void oneMadeAfterAStartTakesOnlyAFreePlace() {
    PreparedPool pool = new PreparedPool(2);
    Prepared a = prepared("a");
    Prepared b = prepared("b");
    pool.put("ns/a", a, T1);
    assertTrue(pool.putIfFree("ns/b", b, T1));
    assertFalse(pool.putIfFree("ns/c", prepared("c"), T1), "full: nothing makes room for it");
    assertFalse(pool.putIfFree("ns/a", prepared("a2"), T1), "one per revision");
    assertEquals(List.of("a", "b"), pool.keys());
  }

  @Test
  void oneMadeAtZeroStillMakesRoomWhenFull() {
    PreparedPool pool = new PreparedPool(2);
    Prepared a = prepared("a");
    pool.putIfFree("ns/a", a, T1);
    pool.putIfFree("ns/b", prepared("b"), T1);
    assertEquals(List.of(a), pool.put("ns/c", prepared("c"), T1));
    assertEquals(List.of("b", "c"), pool.keys());
  }

  @Test
  void remembersWhatEachWasMadeFrom() {
    PreparedPool pool = new PreparedPool(2);
    pool.put("ns/a", prepared("a"), T1);
    assertTrue(pool.has("ns/a", T1));
    assertFalse(pool.has("ns/a", T2), "made from another template");
    pool.take("ns/a");
    assertFalse(pool.has("ns/a", T1));
    assertTrue(pool.putIfFree("ns/a", prepared("a2"), T2));
    assertTrue(pool.has("ns/a", T2));
  }
}
