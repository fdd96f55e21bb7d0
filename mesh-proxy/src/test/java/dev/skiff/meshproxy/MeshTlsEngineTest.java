package dev.skiff.meshproxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.net.OpenSSLEngineOptions;
import java.util.List;
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

  @Test
  void registersItsGaugeOnceAndFindsItAgainWithoutWalkingTheRegistrysMeters() {
    // Every sidecar's bind registers the gauge; with thousands of revisions' meters in the
    // registry, a search (which walks them all) on every cold start grows with the node's size.
    var walks = new int[1];
    var registry =
        new SimpleMeterRegistry() {
          @Override
          public List<Meter> getMeters() {
            walks[0]++;
            return super.getMeters();
          }
        };
    for (int i = 0; i < 100; i++) {
      registry.counter("other", "i", Integer.toString(i));
    }
    Gauge first = MeshTlsEngine.JDK.register(registry);
    int afterFirst = walks[0];
    Gauge again = MeshTlsEngine.JDK.register(registry);

    assertSame(first, again);
    assertEquals(afterFirst, walks[0], "a second registration walks no meters");
    assertEquals(1, registry.find(MeshTlsEngine.METER).gauges().size());
    assertEquals(1.0, registry.get(MeshTlsEngine.METER).tag("engine", "jdk").gauge().value());
  }
}
