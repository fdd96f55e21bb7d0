package dev.skiff.node.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.node.container.internal.Commands;
import io.vertx.core.Future;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The container subnet against the host's real addresses: a link in the host's namespace (where the
 * backend's fence goes) holds the first /30 of the first candidate, as the links of a killed skiffd
 * would.
 */
class SubnetChoiceIT extends ContainerFixture {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String SERVE = "exec httpd -f -p $PORT -h /www";

  private String dummy;
  private String taken;
  private String free;

  @BeforeEach
  void occupyASubnet() {
    int second = 200 + RANDOM.nextInt(50);
    int third = RANDOM.nextInt(255);
    taken = "10." + second + "." + third + ".0/24";
    free = "10." + second + "." + (third + 1) + ".0/24";
    dummy = "skt" + Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36).substring(0, 8);
    // A veth pair rather than a dummy link: this kernel may lack the dummy module.
    Commands.run(List.of("ip", "link", "add", dummy, "type", "veth", "peer", "name", dummy + "p"))
        .orThrow();
    Commands.run(List.of("ip", "addr", "add", "10." + second + "." + third + ".1/30", "dev", dummy))
        .orThrow();
    Commands.run(List.of("ip", "link", "set", dummy, "up")).orThrow();
  }

  @AfterEach
  void removeTheDummy() {
    Commands.run(List.of("ip", "link", "del", dummy));
  }

  @Test
  void movesToTheNextCandidateWhenALinkOfTheHostHoldsAnAddressInTheFirst() throws Exception {
    ContainerImage image = TestImages.shell(dir, SERVE);
    backend(
        ref -> Future.succeededFuture(image), b -> b.withSubnetCandidates(List.of(taken, free)));
    ContainerInstance inst =
        (ContainerInstance)
            await(backend.start(TestRevisions.spec("default.hello-00001.1", (s, l) -> {})));

    String prefix = free.substring(0, free.lastIndexOf('.') + 1);
    assertTrue(inst.host().startsWith(prefix), inst.host() + " is not in " + free);
    assertEquals(200, get(inst.host(), inst.port(), "/").statusCode());
    String routes = Commands.run(List.of("ip", "-4", "route", "show")).orThrow().stdout();
    assertTrue(routes.contains("unreachable " + free), routes);
    assertTrue(!routes.contains("unreachable " + taken), "fenced the taken subnet:\n" + routes);
    await(inst.stop(java.time.Duration.ofSeconds(5)));
  }

  @Test
  void refusesAnExplicitSubnetALinkOfTheHostUses() throws Exception {
    ContainerImage image = TestImages.shell(dir, SERVE);
    ContainerRuntimeException e =
        assertThrows(
            ContainerRuntimeException.class,
            () -> backend(ref -> Future.succeededFuture(image), b -> b.withSubnet(taken)));
    assertTrue(e.getMessage().contains(taken + " is in use"), e.getMessage());
    assertTrue(e.getMessage().contains("of link " + dummy), e.getMessage());
    String routes = Commands.run(List.of("ip", "-4", "route", "show")).orThrow().stdout();
    assertTrue(!routes.contains("unreachable " + taken), "fenced anyway:\n" + routes);
  }
}
