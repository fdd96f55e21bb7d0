package dev.skiff.meshproxy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.testing.TestCa;
import io.vertx.core.http.HttpConnection;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CallersTest {
  private static final SpiffeId CART = SpiffeId.workload("skiff.local", "default", "cart");

  @TempDir Path dir;

  private final AtomicInteger reads = new AtomicInteger();

  /** A connection whose peer presented {@code chain}, counting how often it is read. */
  private HttpConnection connection(boolean ssl, List<Certificate> chain) {
    return (HttpConnection)
        Proxy.newProxyInstance(
            HttpConnection.class.getClassLoader(),
            new Class<?>[] {HttpConnection.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "isSsl" -> ssl;
                  case "peerCertificates" -> {
                    reads.incrementAndGet();
                    yield chain;
                  }
                  case "hashCode" -> System.identityHashCode(proxy);
                  case "equals" -> proxy == args[0];
                  default -> throw new UnsupportedOperationException(method.getName());
                });
  }

  private List<Certificate> chainOf(SpiffeId id) throws Exception {
    Path identity = TestCa.create("callers").writeIdentity(dir, id);
    return List.copyOf(
        Pem.certificates(Files.readString(identity.resolve("cert.pem")), "the test identity"));
  }

  @Test
  void readsEachConnectionsCertificateOnce() throws Exception {
    Callers callers = new Callers();
    HttpConnection conn = connection(true, chainOf(CART));

    for (int i = 0; i < 3; i++) {
      assertEquals(CART, callers.of(conn));
    }

    assertEquals(1, reads.get());
  }

  @Test
  void tellsConnectionsApart() throws Exception {
    Callers callers = new Callers();
    SpiffeId other = SpiffeId.workload("skiff.local", "default", "orders");

    assertEquals(CART, callers.of(connection(true, chainOf(CART))));
    assertEquals(other, callers.of(connection(true, chainOf(other))));
  }

  @Test
  void aPlaintextConnectionHasNoCaller() {
    assertNull(new Callers().of(connection(false, List.of())));
    assertEquals(0, reads.get());
  }
}
