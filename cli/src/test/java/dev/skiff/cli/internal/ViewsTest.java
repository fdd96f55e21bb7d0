package dev.skiff.cli.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.ScalingSettings;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.TrafficTarget;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
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

  private static final List<Revision> SPLIT_REVISIONS =
      List.of(Fixtures.revision("hello", 1, true), Fixtures.revision("hello", 2, true));

  @Test
  void listShowsOneAlignedLinePerService() {
    assertEquals(
"""
NAME    KIND   LATEST        READY   INSTANCES   TRAFFIC                           URL                              AGE
hello   wasm   hello-00002   True    2           hello-00002=50%,hello-00001=50%   http://hello.default.localhost   3m
""",
        ServiceListView.table(List.of(SPLIT), SPLIT_REVISIONS, false, NOW).render());
  }

  @Test
  void listAcrossNamespacesAddsTheNamespaceColumn() {
    String t = ServiceListView.table(List.of(SPLIT), SPLIT_REVISIONS, true, NOW).render();
    assertTrue(t.startsWith("NAMESPACE   NAME    KIND"), t);
    assertTrue(t.contains("\ndefault     hello   wasm"), t);
  }

  @Test
  void listInstancesCountOnlyReadyInstancesOfRevisionsWithTraffic() {
    Revision otherNamespace =
        Fixtures.scaled("hello", 2, Map.of(), 7, 7)
            .withMetadata(
                new ObjectMeta("hello-00002", "team-a", null, null, null, null, null, null));
    List<Revision> revisions =
        List.of(
            Fixtures.scaled("hello", 1, Map.of(), 3, 4), // 50%
            Fixtures.scaled("hello", 2, Map.of(), 0, 1), // 50%, still starting
            Fixtures.scaled("hello", 3, Map.of(), 5, 5), // no traffic
            otherNamespace);
    assertEquals(
        List.of("3"),
        instancesColumn(ServiceListView.table(List.of(SPLIT), revisions, false, NOW)));
  }

  @Test
  void listInstancesIsEmptyWhenNoRoutedRevisionReportsACount() {
    List<Revision> uncounted =
        List.of(
            Fixtures.scaled("hello", 1, Map.of(), null, null),
            Fixtures.scaled("hello", 2, Map.of(), null, 1));
    assertEquals(
        List.of("-"),
        instancesColumn(ServiceListView.table(List.of(SPLIT), uncounted, false, NOW)));
    assertEquals(
        List.of("-"),
        instancesColumn(ServiceListView.table(List.of(SPLIT), List.of(), false, NOW)));
  }

  @Test
  void revisionsAreNewestFirstWithInstancesTrafficAndTags() {
    assertEquals(
        """
        NAME          NUMBER   READY     INSTANCES   TRAFFIC   TAGS     AGE
        hello-00004   4        True      -           0%        -        3m
        hello-00003   3        Unknown   0/1         0%        -        3m
        hello-00002   2        True      1/1         50%       -        3m
        hello-00001   1        True      0/-         50%       stable   3m
        """,
        RevisionListView.table(
                List.of(
                    Fixtures.scaled("hello", 1, Map.of(), 0, null),
                    Fixtures.revision("hello", 2, true),
                    Fixtures.revision("hello", 3, false),
                    Fixtures.scaled("hello", 4, Map.of(), null, null)),
                Map.of("hello", SPLIT),
                false,
                NOW)
            .render());
  }

  @Test
  void describeShowsEachRevisionsInstancesAndScaleSettings() {
    String d =
        DescribeView.render(
            SPLIT,
            List.of(
                Fixtures.revision("hello", 1, true),
                Fixtures.scaled(
                    "hello",
                    2,
                    Map.of(
                        ScalingSettings.MIN_SCALE, "1",
                        ScalingSettings.MAX_SCALE, "5",
                        ScalingSettings.TARGET, "50",
                        ScalingSettings.WINDOW, "30s"),
                    2,
                    3)),
            NOW);
    String revisions = d.substring(d.indexOf("Revisions:\n"), d.indexOf("\nTraffic:"));
    assertEquals(
"""
Revisions:
  NAME          NUMBER   READY   INSTANCES   MIN   MAX   TARGET   WINDOW   TRAFFIC   TAGS     AGE
  hello-00002   2        True    2/3         1     5     50       30s      50%       -        3m
  hello-00001   1        True    1/1         0     0     100      60s      50%       stable   3m
""",
        revisions);
  }

  /** The INSTANCES cells of a list table, top to bottom. */
  private static List<String> instancesColumn(Table t) {
    List<String> lines = t.render().lines().toList();
    int at = lines.get(0).indexOf("INSTANCES");
    return lines.subList(1, lines.size()).stream()
        .map(l -> l.substring(at, l.indexOf(' ', at)))
        .toList();
  }

  @Test
  void tableCellsEscapeControlCharactersSoColumnsAndTheTerminalStayIntact() {
    assertEquals(
        """
        TYPE    MESSAGE
        Ready   \\x1b[31mfailed\\nReady   True
        """,
        new Table("TYPE", "MESSAGE").row("Ready", "\u001b[31mfailed\nReady   True").render());
  }

  @Test
  void humanOutputIsEscapedAndJsonKeepsTheTextInItsOwnEscapes() {
    var buffer = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buffer, true, UTF_8);
    new Printer(out, Format.TABLE).print(null, o -> o.println("Service \u001b]0;x\u0007 ok"));
    assertEquals("Service \\x1b]0;x\\x07 ok\n", buffer.toString(UTF_8));
    buffer.reset();
    var doc = Json.mapper().createObjectNode().put("m", "\u001b[2J");
    new Printer(out, Format.JSON).print(doc, o -> {});
    assertTrue(buffer.toString(UTF_8).contains("\"\\u001B[2J\""), buffer.toString(UTF_8));
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
