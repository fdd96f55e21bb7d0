package dev.skiff.ingress;

import dev.skiff.api.model.DomainMappingStatus;
import dev.skiff.controlplane.ControlPlane;
import dev.skiff.controlplane.DomainCertificate;
import dev.skiff.controlplane.events.EventNote;
import dev.skiff.ingress.spi.DomainStore;
import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/** The in-process control plane as the ingress's store. */
public final class ControlPlaneDomainStore implements DomainStore {
  private final ControlPlane controlPlane;

  public ControlPlaneDomainStore(ControlPlane controlPlane) {
    this.controlPlane = controlPlane;
  }

  @Override
  public Future<List<DomainCertificate>> certificates() {
    return controlPlane.domainCertificates();
  }

  @Override
  public Future<Optional<DomainCertificate>> certificate(String name) {
    return controlPlane.domainCertificate(name);
  }

  @Override
  public Future<Void> store(DomainCertificate certificate) {
    return controlPlane.storeDomainCertificate(certificate);
  }

  @Override
  public Future<Void> setStatus(String domain, DomainMappingStatus status) {
    return controlPlane.setDomainStatus(domain, status);
  }

  @Override
  public Future<Optional<byte[]>> privateValue(String name) {
    return controlPlane.privateValue(name);
  }

  @Override
  public Future<Void> putPrivateValue(String name, byte[] value) {
    return controlPlane.putPrivateValue(name, value);
  }

  @Override
  public void onCertificateChange(Consumer<String> listener) {
    controlPlane.onDomainCertificateChange(listener);
  }

  @Override
  public void record(EventNote event) {
    controlPlane.events().record(event);
  }
}
