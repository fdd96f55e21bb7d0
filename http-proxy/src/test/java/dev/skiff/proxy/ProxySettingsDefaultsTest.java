package dev.skiff.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProxySettingsDefaultsTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    vertx.close().await();
  }

  @Test
  void serverInstancesDefaultToTheCoresOfTheProcessAndCanBeSet() {
    int cores = Math.max(1, Runtime.getRuntime().availableProcessors());
    assertEquals(cores, ProxySettings.builder().withVertx(vertx).build().serverInstances());
    assertEquals(
        cores,
        ProxySettings.builder().withVertx(vertx).build().serverInstances(),
        "every builder starts from the same default");
    assertEquals(
        3,
        ProxySettings.builder().withVertx(vertx).withServerInstances(3).build().serverInstances());
  }
}
