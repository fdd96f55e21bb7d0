package dev.skiff.proxy;

import static dev.skiff.proxy.testing.Await.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.proxy.testing.Await;
import dev.skiff.proxy.testing.ProxyTestBase;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProxyServerTest extends ProxyTestBase {
  private final List<ProxyServer> servers = new ArrayList<>();

  ProxyServerTest() {
    super(10);
  }

  @AfterEach
  void stop() {
    closeClients();
    servers.forEach(s -> await(s.close()));
  }

  @Test
  void componentsOnPortZeroInOneVertxNeverShareASocket() {
    ProxyServer gateway = answering("gateway", 0);
    ProxyServer activator = answering("activator", 1 << 20);
    ProxyServer secondGateway = answering("second gateway", 0);

    assertNotEquals(gateway.actualPort(), activator.actualPort());
    assertNotEquals(gateway.actualPort(), secondGateway.actualPort());
    HttpClient http = client(new HttpClientOptions());
    for (int i = 0; i < 8; i++) { // a shared socket would hand some connections to the other
      HttpClient fresh = client(new HttpClientOptions().setKeepAlive(false));
      assertEquals("gateway", body(fresh, gateway));
      assertEquals("activator", body(fresh, activator));
      assertEquals("second gateway", body(http, secondGateway));
    }
  }

  @Test
  void startsOnce() {
    ProxyServer gateway = answering("gateway", 0);

    Future<Void> again = gateway.start("127.0.0.1", 0);

    assertTrue(again.failed());
    assertInstanceOf(IllegalStateException.class, again.cause());
    assertEquals("the gateway was already started", again.cause().getMessage());
  }

  @Test
  void portIsMinusOneBeforeStart() {
    ProxyServer s =
        ProxyServer.builder()
            .withSettings(ProxySettings.builder().withVertx(vertx).build())
            .withName("idle")
            .withPipeline(client -> ProxyPipeline.of(ProxyExchange::new, x -> x.response().end()))
            .build();

    assertEquals(-1, s.actualPort());
    await(s.close()); // nothing to undeploy
  }

  @ParameterizedTest
  @ValueSource(strings = {"http/1.1", "h2c prior knowledge", "h2c upgrade"})
  void everyConnectionIsCountedOnceAndReleasedWhenItCloses(String protocol) {
    ProxyServer s = answering("counted", 0);
    HttpClient http =
        client(
            switch (protocol) {
              case "http/1.1" -> new HttpClientOptions();
              case "h2c prior knowledge" ->
                  new HttpClientOptions()
                      .setProtocolVersion(HttpVersion.HTTP_2)
                      .setHttp2ClearTextUpgrade(false);
              default ->
                  new HttpClientOptions()
                      .setProtocolVersion(HttpVersion.HTTP_2)
                      .setHttp2ClearTextUpgrade(true);
            });
    for (int i = 0; i < 5; i++) {
      assertEquals("counted", body(http, s));
    }
    assertEquals(1, s.connections(), "one keep-alive connection, counted once");

    closeClients();

    Await.eventually("every connection released", () -> s.connections() == 0);
  }

  private ProxyServer answering(String name, int negativePortBase) {
    ProxyServer s =
        ProxyServer.builder()
            .withSettings(ProxySettings.builder().withVertx(vertx).withServerInstances(2).build())
            .withName(name)
            .withNegativePortBase(negativePortBase)
            .withPipeline(
                client ->
                    ProxyPipeline.of(
                        ProxyExchange::new,
                        x -> {
                          x.request().resume();
                          return x.response().end(name);
                        }))
            .build();
    servers.add(s);
    await(s.start("127.0.0.1", 0));
    return s;
  }

  private static String body(HttpClient client, ProxyServer server) {
    RequestOptions o =
        new RequestOptions()
            .setHost("127.0.0.1")
            .setPort(server.actualPort())
            .setMethod(HttpMethod.GET)
            .setURI("/");
    return await(exchange(client, o, null)).body().toString();
  }
}
