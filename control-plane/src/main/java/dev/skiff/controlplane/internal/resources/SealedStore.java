package dev.skiff.controlplane.internal.resources;

import dev.skiff.api.model.ObjectMeta;
import dev.skiff.controlplane.DomainCertificate;
import dev.skiff.controlplane.internal.mesh.Pem;
import dev.skiff.controlplane.internal.secrets.CertificatePem;
import dev.skiff.controlplane.internal.secrets.SealedCertificate;
import dev.skiff.controlplane.internal.secrets.SecretCipher;
import dev.skiff.controlplane.spi.Store;
import io.vertx.core.Future;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What the ingress keeps sealed with the secrets key: domain certificates (chain and key, each
 * bound to its name) and private values such as the ACME account key. Opened only in process;
 * listeners hear each certificate stored or deleted.
 */
public final class SealedStore {
  /** Outside {@link Keys#ROOT}: neither the watch feed nor resource listings carry them. */
  static final String CERTIFICATES = "/skiff-config/certificates/";

  static final String PRIVATE = "/skiff-config/private/";

  private final Repository repo;
  private final Supplier<Future<SecretCipher>> cipher;
  private final ObjectWriter<SealedCertificate> certificates;
  private final List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();

  SealedStore(Repository repo, Supplier<Future<SecretCipher>> cipher, Clock clock) {
    this.repo = repo;
    this.cipher = cipher;
    this.certificates = new ObjectWriter<>(repo, SealedCertificate.class, s -> s, clock);
  }

  /** Calls {@code listener} with a certificate's name each time it is stored or deleted. */
  public void onCertificateChange(Consumer<String> listener) {
    listeners.add(listener);
  }

  /** Deletes the certificate stored under {@code name}, if any, and tells the listeners. */
  public Future<Void> deleteCertificate(String name) {
    return repo.delete(CERTIFICATES + name, Store.ANY)
        .map(
            deleted -> {
              listeners.forEach(l -> l.accept(name));
              return null;
            });
  }

  /** Seals and stores a certificate, then tells the listeners. */
  public Future<Void> storeCertificate(DomainCertificate c) {
    String chain = Pem.certificates(c.chain());
    String key = Pem.privateKey(c.key());
    return cipher
        .get()
        .compose(
            ci ->
                certificates.write(
                    CERTIFICATES + c.name(),
                    new SealedCertificate(
                        null,
                        null,
                        new ObjectMeta(c.name(), null, null, null, null, null, null, null),
                        c.source(),
                        c.notAfter(),
                        ci.seal(
                            SealedCertificate.chainPlace(c.name()),
                            chain.getBytes(StandardCharsets.US_ASCII)),
                        ci.seal(
                            SealedCertificate.keyPlace(c.name()),
                            key.getBytes(StandardCharsets.US_ASCII))),
                    false))
        .map(
            w -> {
              listeners.forEach(l -> l.accept(c.name()));
              return null;
            });
  }

  /** The certificate stored under {@code name}, opened. */
  public Future<Optional<DomainCertificate>> certificate(String name) {
    return repo.get(CERTIFICATES + name, SealedCertificate.class)
        .compose(
            found ->
                found.isEmpty()
                    ? Future.succeededFuture(Optional.<DomainCertificate>empty())
                    : cipher.get().map(ci -> Optional.of(open(ci, found.get()))));
  }

  /** Every stored certificate, opened. */
  public Future<List<DomainCertificate>> certificates() {
    return repo.list(CERTIFICATES, SealedCertificate.class)
        .compose(
            l ->
                cipher
                    .get()
                    .map(
                        ci -> {
                          List<DomainCertificate> out = new ArrayList<>();
                          l.items().forEach(s -> out.add(open(ci, s)));
                          return out;
                        }));
  }

  private DomainCertificate open(SecretCipher ci, SealedCertificate s) {
    String name = s.metadata().name();
    String chain =
        new String(
            ci.open(SealedCertificate.chainPlace(name), s.sealedChain()),
            StandardCharsets.US_ASCII);
    String key =
        new String(
            ci.open(SealedCertificate.keyPlace(name), s.sealedKey()), StandardCharsets.US_ASCII);
    return new DomainCertificate(
        name, Pem.privateKey(key), CertificatePem.chainOf(chain), s.source());
  }

  /** A private value (an ACME account key, say), sealed in the store under {@code name}. */
  public Future<Void> putPrivateValue(String name, byte[] value) {
    return cipher
        .get()
        .compose(
            ci ->
                repo.store()
                    .put(
                        PRIVATE + name,
                        ci.seal("private/" + name, value).getBytes(StandardCharsets.US_ASCII),
                        Store.ANY))
        .mapEmpty();
  }

  public Future<Optional<byte[]>> privateValue(String name) {
    return repo.store()
        .get(PRIVATE + name)
        .compose(
            found ->
                found.isEmpty()
                    ? Future.succeededFuture(Optional.<byte[]>empty())
                    : cipher
                        .get()
                        .map(
                            ci ->
                                Optional.of(
                                    ci.open(
                                        "private/" + name,
                                        new String(
                                            found.get().value(), StandardCharsets.US_ASCII)))));
  }
}
