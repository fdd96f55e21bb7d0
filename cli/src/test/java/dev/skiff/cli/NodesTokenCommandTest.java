package dev.skiff.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code skiff nodes token create --for node|edge}, for real against a control plane. */
class NodesTokenCommandTest extends CliTestCase {

  @Test
  void tokenForEdgesSaysSoAndIsListedAsForEdges() {
    CliRunner.Result made = ok("nodes", "token", "create", "--for", "edge", "--ttl", "1h");
    assertTrue(made.err().contains("(edges only) created"), made::toString);
    String list = ok("nodes", "token", "list").out();
    assertTrue(list.contains("FOR") && list.contains("edge"), list);
  }

  @Test
  void unknownForOrAnEdgeTokenForOneNodeIsAUsageError() {
    CliRunner.Result unknown = cli.run("nodes", "token", "create", "--for", "gateway");
    assertEquals(2, unknown.code(), unknown::toString);
    assertTrue(unknown.err().contains("give node or edge"), unknown.err());
    CliRunner.Result both = cli.run("nodes", "token", "create", "--for", "edge", "--node", "n1");
    assertEquals(2, both.code(), both::toString);
    assertTrue(both.err().contains("an edge token cannot have it"), both.err());
  }
}
