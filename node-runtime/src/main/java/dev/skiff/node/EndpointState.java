package dev.skiff.node;

import java.util.List;

/**
 * What the registry knows of one revision's serving state.
 *
 * @param ready the endpoints ready to serve, those served in process only (not {@link
 *     Endpoint#listening()} yet) included; empty when none
 * @param unavailable why the revision cannot get an instance (its starts failed, or the node is
 *     full), for callers to fail fast with; null while it can
 */
public record EndpointState(List<Endpoint> ready, String unavailable) {
  public static final EndpointState NONE = new EndpointState(List.of(), null);

  public EndpointState {
    ready = List.copyOf(ready);
  }
}
