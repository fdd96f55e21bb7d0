package dev.skiff.cli.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrafficArgsTest {
  private static TrafficArgs parse(String... targets) {
    return TrafficArgs.parse(List.of(targets), List.of(), List.of());
  }

  private static String error(Runnable r) {
    return assertThrows(IllegalArgumentException.class, r::run).getMessage();
  }

  @Test
  void readsRevisionPercentsInOrder() {
    assertEquals(
        List.of("hello-00002", "hello-00001"),
        List.copyOf(parse("hello-00002=60", "hello-00001=40").percents().keySet()));
    assertEquals(
        Map.of("hello-00001", 40, "hello-00002", 60),
        parse("hello-00002=60", "hello-00001=40").percents());
  }

  @Test
  void acceptsLatestAndPercentSigns() {
    assertEquals(
        Map.of("@latest", 90, "hello-00001", 10),
        parse("@latest=90%", "hello-00001=10").percents());
  }

  @Test
  void rejectsPercentsNotSummingTo100() {
    assertEquals(
        "percents must sum to 100, got 90 (a=50 b=40)", error(() -> parse("a=50", "b=40")));
  }

  @Test
  void rejectsMalformedTargets() {
    assertTrue(error(() -> parse("hello-00001")).startsWith("expected REV=PCT, got 'hello-00001'"));
    assertTrue(error(() -> parse("hello-00001=")).startsWith("expected REV=PCT"));
    assertTrue(error(() -> parse("=100")).startsWith("expected REV=PCT"));
    assertTrue(error(() -> parse("hello=half")).contains("is not a whole percent"));
    assertTrue(error(() -> parse("hello=101")).contains("is not between 0 and 100"));
    assertTrue(error(() -> parse("Hello_1=100")).contains("is not a valid revision name"));
    assertTrue(error(() -> parse("latest=50", "latest=50")).contains("given twice"));
  }

  @Test
  void readsTagsAndUntags() {
    TrafficArgs a =
        TrafficArgs.parse(
            List.of(), List.of("hello-00001=stable", "@latest=current"), List.of("old"));
    assertEquals(Map.of("stable", "hello-00001", "current", "@latest"), a.tags());
    assertEquals(List.of("old"), a.untags());
    assertTrue(a.percents().isEmpty());
  }

  @Test
  void rejectsBadTags() {
    assertTrue(
        error(() -> TrafficArgs.parse(List.of(), List.of("hello-00001"), List.of()))
            .startsWith("expected REV=TAG"));
    assertTrue(
        error(() -> TrafficArgs.parse(List.of(), List.of("a=x", "b=x"), List.of()))
            .contains("tag 'x' is given twice"));
    assertTrue(
        error(() -> TrafficArgs.parse(List.of(), List.of(), List.of("Not_A_Tag")))
            .contains("is not a valid tag"));
  }

  @Test
  void emptyWhenNothingGiven() {
    assertTrue(TrafficArgs.parse(null, null, null).isEmpty());
  }
}
