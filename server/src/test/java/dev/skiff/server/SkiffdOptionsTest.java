package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.node.container.ContainerConfig;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The API's security flags parse to safe defaults. */
class SkiffdOptionsTest {
  @Test
  void apiDefaultsToLoopbackWithoutTlsOrExtraHostnames() {
    SkiffdOptions o = new SkiffdOptions();
    new CommandLine(o).parseArgs();
    if (System.getenv("SKIFF_API_HOST") == null) {
      assertEquals("127.0.0.1", o.apiHost);
    }
    if (System.getenv("SKIFF_API_HOSTNAMES") == null) {
      assertEquals(List.of(), o.apiHostnames == null ? List.of() : o.apiHostnames);
    }
    assertFalse(o.metricsAuth);
    assertNull(o.apiTlsCert);
  }

  @Test
  void hostnamesRepeatOrCommaSeparate() {
    SkiffdOptions o = new SkiffdOptions();
    new CommandLine(o)
        .parseArgs("--api-hostname", "a.example,b.example", "--api-hostname", "c.example");
    assertEquals(List.of("a.example", "b.example", "c.example"), o.apiHostnames);
  }

  @Test
  void theGatewayEntersItsSidecarsInProcessUnlessSwitchedOffAndNamesABadSwitch() {
    SkiffdOptions o = new SkiffdOptions();
    new CommandLine(o).parseArgs();
    if (System.getenv("SKIFF_GATEWAY_IN_PROCESS") == null) {
      assertTrue(o.gatewayInProcess());
    }
    new CommandLine(o).parseArgs("--gateway-in-process", "off");
    assertFalse(o.gatewayInProcess());
    new CommandLine(o).parseArgs("--gateway-in-process", "maybe");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, o::gatewayInProcess);
    assertTrue(e.getMessage().contains("SKIFF_GATEWAY_IN_PROCESS"), e.getMessage());
  }

  @Test
  void trustDomainDefaultsToSkiffLocalAndTakesAFlag() {
    SkiffdOptions o = new SkiffdOptions();
    new CommandLine(o).parseArgs();
    if (System.getenv("SKIFF_TRUST_DOMAIN") == null) {
      assertEquals("skiff.local", o.trustDomain);
    }
    new CommandLine(o).parseArgs("--trust-domain", "prod.example");
    assertEquals("prod.example", o.trustDomain);
  }

  @Test
  void rolesDefaultToAllAndTheNodePortToOffWithATenSecondLease() {
    SkiffdOptions o = new SkiffdOptions();
    new CommandLine(o).parseArgs();
    if (System.getenv("SKIFF_ROLES") == null) {
      assertTrue(Roles.parse(o.roles).all());
    }
    if (System.getenv("SKIFF_NODE_PORT") == null) {
      assertEquals(-1, o.nodePort);
    }
    if (System.getenv("SKIFF_NODE_LEASE") == null) {
      assertEquals(java.time.Duration.ofSeconds(10), Skiffd.nodeLease(o.nodeLease));
    }
  }

  @Test
  void aNodeRoleWithoutControlPlaneSaysWhichFlagIsMissing() {
    SkiffdOptions o = new SkiffdOptions();
    new CommandLine(o).parseArgs("--roles", "node", "--node-name", "n1");
    o.controlPlane = null;
    var e = assertThrows(IllegalArgumentException.class, () -> new NodeRole(o).settings());
    assertTrue(e.getMessage().contains("--control-plane HOST:PORT"), e.getMessage());
    o.controlPlane = "10.0.0.1";
    e = assertThrows(IllegalArgumentException.class, () -> new NodeRole(o).settings());
    assertTrue(e.getMessage().contains("is not HOST:PORT"), e.getMessage());
  }

  @Test
  void anEdgeRefusesMetricsAuthSinceItHoldsNoTokens() {
    SkiffdOptions o = new SkiffdOptions();
    new CommandLine(o).parseArgs("--roles", "gateway,activator", "--metrics-auth");
    var e = assertThrows(IllegalArgumentException.class, () -> new EdgeRole(o).settings());
    assertTrue(e.getMessage().contains("holds no API tokens"), e.getMessage());
  }

  @Test
  void aNodeLeaseUnderOneSecondIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> Skiffd.nodeLease("500ms"));
    assertThrows(IllegalArgumentException.class, () -> Skiffd.nodeLease("soon"));
  }

  @Test
  void storeDefaultsToEmbeddedAndTakesAnEtcdUrl() {
    SkiffdOptions o = new SkiffdOptions();
    new CommandLine(o).parseArgs();
    if (System.getenv("SKIFF_STORE") == null) {
      assertEquals("embedded", o.store);
    }
    assertTrue(Skiffd.storeKind("embedded"));
    assertFalse(Skiffd.storeKind("etcd://127.0.0.1:2379,[::1]:2379"));
  }

  @Test
  void aStoreThatIsNeitherEmbeddedNorAnEtcdUrlIsRefusedWithWhatToWrite() {
    for (String bad :
        List.of("etcd", "http://127.0.0.1:2379", "etcd://", "etcd://host", "etcd://h:99999")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Skiffd.storeKind(bad));
      assertTrue(e.getMessage().startsWith("--store: "), e.getMessage());
      assertTrue(e.getMessage().contains("etcd://127.0.0.1:2379"), e.getMessage());
    }
  }

  @Test
  void httpsListensOn8443AndAcmeIsOffByDefault() {
    SkiffdOptions o = new SkiffdOptions();
    new CommandLine(o).parseArgs();
    if (System.getenv("SKIFF_GATEWAY_TLS_PORT") == null) {
      assertEquals(8443, o.gatewayTlsPort);
    }
    if (System.getenv("SKIFF_ACME_DIRECTORY") == null) {
      assertNull(o.acme());
    }
  }

  @Test
  void acmeFlagsParseAndMalformedOnesSayWhatIsWrong() {
    SkiffdOptions o = new SkiffdOptions();
    new CommandLine(o)
        .parseArgs("--acme-directory", "https://acme.example/dir", "--acme-email", "a@example");
    assertEquals("https://acme.example/dir", o.acme().directory().toString());
    assertEquals("a@example", o.acme().email());

    SkiffdOptions bad = new SkiffdOptions();
    new CommandLine(bad).parseArgs("--acme-directory", "ftp://acme.example/dir");
    var e =
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, bad::acme);
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("--acme-directory"));

    SkiffdOptions orphan = new SkiffdOptions();
    new CommandLine(orphan).parseArgs("--acme-email", "a@example");
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, orphan::acme);
  }

  @Test
  void podSubnetDefaultsToTheDataDirsSixteenFirstThenTheRestOfTenSixtyFourSlashTen() {
    SkiffdOptions o = new SkiffdOptions();
    new CommandLine(o).parseArgs();
    if (System.getenv("SKIFF_POD_SUBNET") == null) {
      assertEquals("", o.podSubnet);
    }
    java.nio.file.Path dir = java.nio.file.Path.of("/var/lib/skiff");
    int h = Math.floorMod(dir.toString().hashCode(), 4096);
    var config = Skiffd.containerConfig(dir, "", ContainerConfig.DEFAULT_PREPARED_CONTAINERS);
    assertFalse(config.subnetExplicit());
    assertEquals(64, config.subnets().size());
    assertEquals("10." + (64 + h % 64) + ".0.0/16", config.subnets().get(0));
    assertEquals(64, new java.util.HashSet<>(config.subnets()).size());
    assertTrue(
        config.subnets().stream()
            .allMatch(s -> s.matches("10\\.(6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7])\\.0\\.0/16")));
  }

  @Test
  void anExplicitPodSubnetIsTheOnlyCandidate() {
    SkiffdOptions o = new SkiffdOptions();
    new CommandLine(o).parseArgs("--pod-subnet", "172.31.0.0/20");
    var config =
        Skiffd.containerConfig(
            java.nio.file.Path.of("/var/lib/skiff"),
            o.podSubnet,
            ContainerConfig.DEFAULT_PREPARED_CONTAINERS);
    assertTrue(config.subnetExplicit());
    assertEquals(List.of("172.31.0.0/20"), config.subnets());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Skiffd.containerConfig(
                    java.nio.file.Path.of("/x"),
                    "172.31.0.0/33",
                    ContainerConfig.DEFAULT_PREPARED_CONTAINERS));
    assertTrue(e.getMessage().contains("172.31.0.0/33"), e.getMessage());
  }

  @Test
  void preparedContainersComeFromTheFlagAndDefaultToTheBackendsDefault() {
    SkiffdOptions o = new SkiffdOptions();
    new CommandLine(o).parseArgs();
    if (System.getenv("SKIFF_PREPARED_CONTAINERS") == null) {
      assertEquals(
          ContainerConfig.DEFAULT_PREPARED_CONTAINERS,
          Skiffd.containerConfig(java.nio.file.Path.of("/x"), "", o.preparedContainers)
              .preparedContainers());
    }
    new CommandLine(o).parseArgs("--prepared-containers", "0");
    assertEquals(
        0,
        Skiffd.containerConfig(java.nio.file.Path.of("/x"), "", o.preparedContainers)
            .preparedContainers());
  }

  @Test
  void eventLoopsDefaultToOnePerCoreAndRefuseANegativeCount() {
    SkiffdOptions o = new SkiffdOptions();
    new CommandLine(o).parseArgs();
    if (System.getenv("SKIFF_EVENT_LOOPS") == null) {
      assertEquals(0, o.eventLoops);
    }
    assertEquals(Runtime.getRuntime().availableProcessors(), EventLoops.count(0));
    new CommandLine(o).parseArgs("--event-loops", "3");
    assertEquals(3, EventLoops.options(o.eventLoops).getEventLoopPoolSize());
    assertThrows(IllegalArgumentException.class, () -> EventLoops.count(-1));
  }
}
