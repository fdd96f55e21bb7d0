package dev.skiff.ingress.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.DomainMapping;
import dev.skiff.api.model.DomainMappingSpec;
import dev.skiff.api.model.DomainMappingStatus;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.controlplane.DomainCertificate;
import dev.skiff.controlplane.events.EventNote;
import dev.skiff.gateway.TlsCertificates;
import dev.skiff.ingress.CertificateIssueException;
import dev.skiff.ingress.spi.DomainStore;
import dev.skiff.testing.SelfSigned;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The renewal loop with an in-memory store and an issuer that fails like a rate-limited CA. */
class RenewalsTest {
  @TempDir Path dir;
  final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** A store kept in maps. */
  static final class MemoryStore implements DomainStore {
    final Map<String, DomainCertificate> certs = new ConcurrentHashMap<>();
    final Map<String, DomainMappingStatus> statuses = new ConcurrentHashMap<>();
    final List<EventNote> events = new CopyOnWriteArrayList<>();

    @Override
    public Future<List<DomainCertificate>> certificates() {
      return Future.succeededFuture(List.copyOf(certs.values()));
    }

    @Override
    public Future<Optional<DomainCertificate>> certificate(String name) {
      return Future.succeededFuture(Optional.ofNullable(certs.get(name)));
    }

    @Override
    public Future<Void> store(DomainCertificate c) {
      certs.put(c.name(), c);
      return Future.succeededFuture();
    }

    @Override
    public Future<Void> setStatus(String domain, DomainMappingStatus status) {
      statuses.put(domain, status);
      return Future.succeededFuture();
    }

    @Override
    public Future<Optional<byte[]>> privateValue(String name) {
      return Future.succeededFuture(Optional.empty());
    }

    @Override
    public Future<Void> putPrivateValue(String name, byte[] value) {
      return Future.succeededFuture();
    }

    @Override
    public void onCertificateChange(Consumer<String> listener) {}

    @Override
    public void record(EventNote event) {
      events.add(event);
    }
  }

  private DomainCertificate certificate(String name) throws Exception {
    SelfSigned made = SelfSigned.make(dir, name, 3, name, "DNS:" + name);
    return new DomainCertificate(
        name, made.privateKey(), List.of(made.certificate()), DomainCertificate.ACME);
  }

  private static ResourceEvent mapAuto(String domain) {
    DomainMapping d =
        DomainMapping.of(
            ObjectMeta.of("default", domain),
            new DomainMappingSpec("shop", null, DomainMappingSpec.TLS_AUTO, null, null));
    return new ResourceEvent(
        ResourceEvent.Type.PUT,
        DomainMapping.KIND,
        "/skiff/domainmappings/" + domain,
        1,
        Json.mapper().valueToTree(d));
  }

  private static DomainMappingStatus awaitStatus(MemoryStore store, String domain, String state)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      DomainMappingStatus s = store.statuses.get(domain);
      if (s != null && state.equals(s.certificate())) {
        return s;
      }
      Thread.sleep(10); // polling with a deadline
    }
    throw new AssertionError(domain + " never got to " + state + ": " + store.statuses);
  }

  @Test
  void failedRenewalKeepsServingTheCurrentCertificateAndRetriesAfterBackoff() throws Exception {
    MemoryStore store = new MemoryStore();
    DomainCertificate current = certificate("shop.example.com");
    store.certs.put("shop.example.com", current);
    // Past the renewal point (two thirds of three days), before the end.
    Clock clock = Clock.fixed(current.notAfter().minus(Duration.ofHours(2)), ZoneOffset.UTC);
    TlsCertificates served = new TlsCertificates();
    Renewals renewals =
        new Renewals(
            vertx,
            store,
            served,
            domain -> {
              throw new CertificateIssueException(
                  "too many certificates already issued (urn:ietf:params:acme:error:rateLimited)",
                  null);
            },
            "no issuer",
            new RenewalPolicy(Duration.ofHours(1), Duration.ofHours(4)),
            clock,
            new CertificateMetrics(new SimpleMeterRegistry()));
    renewals.start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

    renewals.onResourceEvent(mapAuto("shop.example.com"));

    DomainMappingStatus failed = awaitStatus(store, "shop.example.com", "failed");
    assertTrue(failed.reason().contains("rateLimited"), failed.reason());
    assertEquals(current.notAfter(), failed.notAfter());
    assertEquals(clock.instant().plus(Duration.ofHours(1)), failed.renewAt());
    assertEquals(1, failed.failures());
    TlsCertificates.Entry entry = served.lookup("shop.example.com");
    assertNotNull(entry, "the current certificate is still served");
    assertEquals(current.leaf(), entry.chain()[0]);
    assertSame(current, store.certs.get("shop.example.com"));
    EventNote warning = store.events.get(store.events.size() - 1);
    assertEquals("CertificateFailed", warning.reason());
    assertTrue(warning.message().contains("the current certificate is served until"));
    renewals.close();
  }

  @Test
  void autoDomainWithoutAnIssuerFailsWithTheReasonAndHowToFixIt() throws Exception {
    MemoryStore store = new MemoryStore();
    Renewals renewals =
        new Renewals(
            vertx,
            store,
            new TlsCertificates(),
            null,
            "no ACME server is configured: start skiffd with --acme-directory URL",
            new RenewalPolicy(Duration.ofMinutes(1), Duration.ofHours(1)),
            Clock.systemUTC(),
            new CertificateMetrics(new SimpleMeterRegistry()));
    renewals.start().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

    renewals.onResourceEvent(mapAuto("shop.example.com"));

    assertTrue(
        awaitStatus(store, "shop.example.com", "failed").reason().contains("--acme-directory"));
  }
}
