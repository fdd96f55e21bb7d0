package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RolesTest {
  @Test
  void allRunsEveryComponent() {
    assertTrue(Roles.parse("all").all());
    assertTrue(Roles.parse("control-plane,gateway,activator,autoscaler,eventing,node").all());
  }

  @Test
  void nodeAloneRunsOnlyTheAgent() {
    assertTrue(Roles.parse(" node ").nodeOnly());
  }

  @Test
  void unknownRoleIsRefusedNamingTheKnownOnes() {
    var e = assertThrows(IllegalArgumentException.class, () -> Roles.parse("node,web"));
    assertTrue(e.getMessage().contains("'web' is not a role"), e.getMessage());
    assertTrue(e.getMessage().contains("control-plane"), e.getMessage());
  }

  @Test
  void componentsApartAreRefusedAsNotBuiltYet() {
    var e = assertThrows(IllegalArgumentException.class, () -> Roles.parse("autoscaler"));
    assertTrue(e.getMessage().contains("not built yet"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Roles.parse("gateway,eventing"));
    assertTrue(e.getMessage().contains("not built yet"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Roles.parse("eventing,autoscaler"));
    assertTrue(e.getMessage().contains("not built yet"), e.getMessage());
  }

  @Test
  void eventingAloneRunsADispatcherApart() {
    Roles r = Roles.parse(" eventing ");
    assertTrue(r.eventingOnly());
    assertTrue(r.eventing());
    assertFalse(r.controlPlane());
    assertFalse(Roles.parse("all").eventingOnly());
  }

  @Test
  void aControlPlaneMayLeaveEventingToProcessesApart() {
    Roles withNode = Roles.parse("control-plane,gateway,activator,autoscaler,node");
    assertTrue(withNode.controlPlane());
    assertFalse(withNode.eventing());
    assertFalse(withNode.allButNode());
    Roles remoteOnly = Roles.parse("control-plane,gateway,activator,autoscaler");
    assertTrue(remoteOnly.allButNode());
    assertFalse(remoteOnly.eventing());
    assertTrue(Roles.parse("all").eventing());
  }

  @Test
  void gatewayAndActivatorTogetherRunAnEdge() {
    Roles r = Roles.parse("activator, gateway");
    assertTrue(r.edge());
    assertFalse(r.all());
    assertFalse(r.allButNode());
    assertFalse(Roles.parse("all").edge());
  }

  @Test
  void gatewayAloneIsRefusedSayingToRunItWithTheActivator() {
    var e = assertThrows(IllegalArgumentException.class, () -> Roles.parse("gateway"));
    assertTrue(e.getMessage().contains("--roles gateway,activator"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Roles.parse("activator"));
    assertTrue(e.getMessage().contains("--roles gateway,activator"), e.getMessage());
  }

  @Test
  void emptyRolesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> Roles.parse(" "));
  }

  @Test
  void everyRoleButNodeRunsWithoutALocalNode() {
    Roles r = Roles.parse("control-plane, gateway,activator,autoscaler,eventing");
    assertTrue(r.allButNode());
    assertFalse(r.all());
    assertFalse(Roles.parse("all").allButNode());
  }
}
