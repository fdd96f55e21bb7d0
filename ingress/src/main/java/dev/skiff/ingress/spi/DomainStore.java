package dev.skiff.ingress.spi;

import dev.skiff.api.model.DomainMappingStatus;
import dev.skiff.controlplane.DomainCertificate;
import dev.skiff.controlplane.events.EventNote;
import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where the ingress keeps certificates (sealed), the ACME account key and each domain's status.
 * Methods may be called on any thread and must not block.
 */
public interface DomainStore {
  Future<List<DomainCertificate>> certificates();

  Future<Optional<DomainCertificate>> certificate(String name);

  Future<Void> store(DomainCertificate certificate);

  Future<Void> setStatus(String domain, DomainMappingStatus status);

  Future<Optional<byte[]>> privateValue(String name);

  Future<Void> putPrivateValue(String name, byte[] value);

  /** Calls {@code listener} with a certificate's name whenever it is stored or deleted. */
  void onCertificateChange(Consumer<String> listener);

  void record(EventNote event);
}
