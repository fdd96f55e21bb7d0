package dev.skiff.meshproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.net.OpenSSLEngineOptions;
import org.junit.jupiter.api.Test;

class MeshTlsEngineTest {
  @Test
  void prefersOpenSslWhereItLoads() {
    assertEquals(MeshTlsEngine.OPENSSL, MeshTlsEngine.choose(null, true));
    assertEquals(MeshTlsEngine.OPENSSL, MeshTlsEngine.choose(" ", true));
  }

  @Test
  void fallsBackToTheJdkWhereOpenSslDoesNotLoad() {
    assertEquals(MeshTlsEngine.JDK, MeshTlsEngine.choose(null, false));
    assertEquals(MeshTlsEngine.JDK, MeshTlsEngine.choose("openssl", false));
  }

  @Test
  void theSwitchPicksTheJdkEngine() {
    assertEquals(MeshTlsEngine.JDK, MeshTlsEngine.choose("JDK", true));
  }

  @Test
  void refusesAnUnknownEngineNamingTheVariableAndTheChoices() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> MeshTlsEngine.choose("boring", true));
    assertTrue(e.getMessage().contains(MeshTlsEngine.ENV), e.getMessage());
    assertTrue(e.getMessage().contains("openssl or jdk"), e.getMessage());
    assertTrue(e.getMessage().contains("'boring'"), e.getMessage());
  }

  @Test
  void preferredIsWhatTheProcessEnvironmentAndOpenSslChooseOnEveryCall() {
    MeshTlsEngine expected =
        MeshTlsEngine.choose(System.getenv(MeshTlsEngine.ENV), OpenSSLEngineOptions.isAvailable());
    assertEquals(expected, MeshTlsEngine.preferred());
    assertEquals(expected, MeshTlsEngine.preferred(), "read once, answered the same again");
  }
}
