package dev.skiff.gateway;

import static dev.skiff.proxy.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GatewayLifecycleTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  private Gateway.Builder builder() {
    return Gateway.builder().withVertx(vertx).withEndpoints(new FakeEndpoints(vertx));
  }

  @Test
  void startOnATakenPortFailsAndMayBeRetriedOnAnother() {
    HttpServer squatter = vertx.createHttpServer().requestHandler(r -> r.response().end());
    int taken = await(squatter.listen(0, "127.0.0.1")).actualPort();
    Gateway gateway = builder().withServerInstances(2).build();

    assertThrows(AssertionError.class, () -> await(gateway.start("127.0.0.1", taken)));
    await(gateway.start("127.0.0.1", 0));

    assertTrue(gateway.actualPort() > 0);
    assertNotEquals(taken, gateway.actualPort());
    await(gateway.close());
  }

  @Test
  void twoGatewaysOnPortZeroGetTheirOwnPorts() {
    List<Gateway> both = List.of(builder().build(), builder().build());
    both.forEach(g -> await(g.start("127.0.0.1", 0)));

    assertNotEquals(both.get(0).actualPort(), both.get(1).actualPort());
    both.forEach(g -> await(g.close()));
  }

  @Test
  void builderRequiresVertxAndEndpoints() {
    assertThrows(IllegalStateException.class, () -> Gateway.builder().build());
    assertThrows(IllegalStateException.class, () -> Gateway.builder().withVertx(vertx).build());
  }
}
