package dev.skiff.nodeagent;

import static dev.skiff.nodeagent.NodePortFixture.await;
import static dev.skiff.nodeagent.NodePortFixture.poll;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.controlplane.nodes.Demand;
import dev.skiff.controlplane.nodes.RemoteInstances;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates held over a real control plane's node port are renewed once due: a node's by
 * RenewCertificate, an edge's by SignComponent, eventing's by bootstrapping again. Each holder's
 * clock runs a year ahead, so its certificate is due as soon as it is issued (and again 1 s after
 * each renewal).
 */
class CertificateRenewalTest {
  private static final Clock A_YEAR_AHEAD = Clock.offset(Clock.systemUTC(), Duration.ofDays(365));

  private NodePortFixture fx;

  @BeforeEach
  void start(@TempDir Path dir) throws Exception {
    fx =
        NodePortFixture.start(
            dir, b -> b.withRemoteNodes(RemoteInstances.NONE, s -> {}, Demand.NONE));
  }

  @AfterEach
  void stop() throws Exception {
    fx.close();
  }

  @Test
  void aNodeRenewsItsCertificateOnceItIsDue() throws Exception {
    JsonNode t = fx.token("{}");
    RemoteNodeAgent agent =
        fx.agentBuilder("n1", t.path("token").asText(), t.path("caBundle").asText())
            .withClock(A_YEAR_AHEAD)
            .build();
    await(agent.start());
    String first = agent.credentials().chainPem();

    poll(() -> !agent.credentials().chainPem().equals(first), "never renewed: " + first);

    await(agent.stop());
  }

  @Test
  void anEdgeHasItsLinkCertificateSignedAgainOnceItIsDue() throws Exception {
    JsonNode t = fx.token("{}");
    ComponentLink link =
        new ComponentLink(
            EdgeLink.builder()
                .withVertx(fx.vertx())
                .withControlPlane("127.0.0.1", fx.cp().nodePort().actualPort())
                .withControlPlaneCa(t.path("caBundle").asText())
                .withBootstrapToken(t.path("token").asText())
                .withClock(A_YEAR_AHEAD),
            new ComponentLink.Role(
                "edge", "activator", "e1", ComponentLink.Renewal.SIGN, "nothing is sent"),
            System.getLogger(CertificateRenewalTest.class.getName()));
    await(link.start());
    String first = link.credentials().chainPem();

    poll(() -> !link.credentials().chainPem().equals(first), "never renewed: " + first);

    await(link.stop());
  }

  @Test
  void eventingBootstrapsAgainOnceItsCertificateIsDue() throws Exception {
    JsonNode t = fx.token("{}");
    EventingLink link =
        EventingLink.builder()
            .withVertx(fx.vertx())
            .withControlPlane("127.0.0.1", fx.cp().nodePort().actualPort())
            .withControlPlaneCa(t.path("caBundle").asText())
            .withBootstrapToken(t.path("token").asText())
            .withName("ev1")
            .withClock(A_YEAR_AHEAD)
            .build();
    await(link.start());
    String first = link.credentials().chainPem();

    poll(() -> !link.credentials().chainPem().equals(first), "never renewed: " + first);

    await(link.stop());
  }
}
