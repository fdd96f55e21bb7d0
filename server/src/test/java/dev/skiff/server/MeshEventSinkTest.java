package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.net.URI;
import org.junit.jupiter.api.Test;

class MeshEventSinkTest {
  private final MeshEventSink sink = new MeshEventSink(null, null, "skiff.test");

  @Test
  void anEventGoesToItsServiceInItsNamespaceUnderTheDomainAtTheTriggersPath() {
    assertEquals(
        URI.create("http://billing.shop.skiff.test/events?x=1"),
        sink.url("shop", "billing", "/events?x=1"));
    assertEquals(URI.create("http://billing.other.skiff.test/"), sink.url("other", "billing", "/"));
    assertEquals(URI.create("http://ledger.shop.skiff.test/"), sink.url("shop", "ledger", "/"));
  }

  @Test
  void theSameTargetIsParsedOnce() {
    assertSame(sink.url("shop", "billing", "/"), sink.url("shop", "billing", "/"));
  }

  @Test
  void moreTargetsThanKeptStillGoWhereTheyShould() {
    for (int i = 0; i < MeshEventSink.MAX_TARGETS * 2 + 3; i++) {
      assertEquals(
          URI.create("http://svc" + i + ".shop.skiff.test/p" + i),
          sink.url("shop", "svc" + i, "/p" + i));
    }
    assertEquals(URI.create("http://svc0.shop.skiff.test/p0"), sink.url("shop", "svc0", "/p0"));
  }
}
