package dev.skiff.cli.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.Service;
import dev.skiff.api.model.TrafficTarget;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ViewsTest {
  private static final Instant NOW = Fixtures.CREATED.plus(Duration.ofMinutes(3));
  private static final Service SPLIT =
      Fixtures.service(
          "hello",
          List.of(TrafficTarget.latest(50), new TrafficTarget("hello-00001", null, 50, "stable")),
          List.of(
              Fixtures.resolvedLatest("hello-00002", 50),
              new TrafficTarget("hello-00001", null, 50, "stable")),
          "hello-00002");

  @Test
  void listShowsOneAlignedLinePerService() {
    assertEquals(
        """
        NAME    KIND   LATEST        READY   TRAFFIC                           URL                              AGE
        hello   wasm   hello-00002   True    hello-00002=50%,hello-00001=50%   http://hello.default.localhost   3m
        """,
        ServiceListView.table(List.of(SPLIT), false, NOW).render());
  }

  @Test
  void listAcrossNamespacesAddsTheNamespaceColumn() {
    String t = ServiceListView.table(List.of(SPLIT), true, NOW).render();
    assertTrue(t.startsWith("NAMESPACE   NAME    KIND"), t);
    assertTrue(t.contains("\ndefault     hello   wasm"), t);
  }

  @Test
  void revisionsAreNewestFirstWithTrafficAndTags() {
    assertEquals(
        """
        NAME          NUMBER   READY     TRAFFIC   TAGS     AGE
        hello-00003   3        Unknown   0%        -        3m
        hello-00002   2        True      50%       -        3m
        hello-00001   1        True      50%       stable   3m
        """,
        RevisionListView.table(
                List.of(
                    Fixtures.revision("hello", 1, true),
                    Fixtures.revision("hello", 2, true),
                    Fixtures.revision("hello", 3, false)),
                Map.of("hello", SPLIT),
                false,
                NOW)
            .render());
  }

  @Test
  void trafficShowsTagUrls() {
    assertEquals(
        """
        PERCENT   REVISION                TAG      URL
        50%       hello-00002 (@latest)   -        http://hello.default.localhost
        50%       hello-00001             stable   http://stable-hello.default.localhost
        """,
        TrafficView.table(SPLIT).render());
  }

  @Test
  void describeHasEverySection() {
    String d =
        DescribeView.render(
            SPLIT,
            List.of(Fixtures.revision("hello", 1, true), Fixtures.revision("hello", 2, true)),
            NOW);
    for (String s :
        List.of(
            "Name:           hello",
            "URL:            http://hello.default.localhost",
            "Template:",
            "  Kind:           wasm",
            "  Concurrency:    0 (unlimited)",
            "  Env:\n    A=1",
            "Revisions:",
            "Traffic:",
            "http://stable-hello.default.localhost",
            "Conditions:",
            "  Ready   True")) {
      assertTrue(d.contains(s), () -> "missing '" + s + "' in\n" + d);
    }
  }

  @Test
  void resolvedTrafficReadsSpecWhenStatusHasNone() {
    Service s = Fixtures.service("hello", List.of(), List.of(), "hello-00004");
    assertEquals(Map.of("hello-00004", 100), ResolvedTraffic.of(s).percents());
    assertEquals("hello-00004=100%", ResolvedTraffic.of(s).summary());
  }

  @Test
  void tagUrlPrefixesTheHost() {
    assertEquals(
        "http://canary-hello.default.localhost:8080/",
        ResolvedTraffic.tagUrl("http://hello.default.localhost:8080/", "canary"));
    assertEquals(null, ResolvedTraffic.tagUrl(null, "canary"));
  }
}
