package dev.skiff.server;

import dev.skiff.controlplane.ControlPlane;
import dev.skiff.node.spi.EnvSources;
import io.vertx.core.Future;
import java.util.Map;
import java.util.Optional;

/**
 * The node agent reads secrets and config maps for instance env from the in-process control plane.
 */
final class ControlPlaneEnvSources implements EnvSources {
  private final ControlPlane controlPlane;

  ControlPlaneEnvSources(ControlPlane controlPlane) {
    this.controlPlane = controlPlane;
  }

  @Override
  public Future<Optional<Map<String, String>>> secret(String namespace, String name) {
    return controlPlane.secretValues(namespace, name);
  }

  @Override
  public Future<Optional<Map<String, String>>> configMap(String namespace, String name) {
    return controlPlane.configMapValues(namespace, name);
  }
}
