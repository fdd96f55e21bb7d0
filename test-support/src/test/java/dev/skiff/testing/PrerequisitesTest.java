package dev.skiff.testing;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

class PrerequisitesTest {
  @Test
  void missingPrerequisiteSkipsOutsideCiNamingThePackage() {
    var e =
        assertThrows(
            TestAbortedException.class,
            () -> new Prerequisites(null).check(false, "runc", "apt-get install runc"));
    assertTrue(e.getMessage().contains("needs runc"), e.getMessage());
    assertTrue(e.getMessage().contains("apt-get install runc"), e.getMessage());
  }

  @Test
  void missingPrerequisiteFailsInCiNamingThePackage() {
    for (String ci : new String[] {"true", "TRUE", "1"}) {
      var e =
          assertThrows(
              AssertionFailedError.class,
              () -> new Prerequisites(ci).check(false, "runc", "apt-get install runc"));
      assertTrue(e.getMessage().startsWith("CI=true, so a test may not skip"), e.getMessage());
      assertTrue(e.getMessage().contains("apt-get install runc"), e.getMessage());
    }
  }

  @Test
  void ciVariableOtherThanTrueOrOneIsNotCi() {
    assertThrows(
        TestAbortedException.class, () -> new Prerequisites("false").check(false, "x", "y"));
    assertThrows(TestAbortedException.class, () -> new Prerequisites("").check(false, "x", "y"));
  }

  @Test
  void presentPrerequisitePasses() {
    assertDoesNotThrow(() -> new Prerequisites("true").check(true, "runc", "apt-get install runc"));
  }

  @Test
  void knownIncompatibilitySkipsWithItsPrefix() {
    var e =
        assertThrows(
            TestAbortedException.class,
            () -> Prerequisites.skipKnownIncompatibility(true, "crun refuses hybrid cgroups"));
    assertEquals(
        Prerequisites.KNOWN_INCOMPATIBILITY + "crun refuses hybrid cgroups", e.getMessage());
    assertDoesNotThrow(() -> Prerequisites.skipKnownIncompatibility(false, "n/a"));
  }
}
