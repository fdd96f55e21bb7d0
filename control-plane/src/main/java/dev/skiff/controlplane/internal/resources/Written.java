package dev.skiff.controlplane.internal.resources;

import java.util.List;

/**
 * The outcome of a create-or-update.
 *
 * @param resource the resource as stored, with its resourceVersion
 * @param created true if it did not exist before
 * @param warnings what the client should hear about its input though it was accepted (a deprecated
 *     annotation spelling, say); sent as {@code Warning} headers, as Kubernetes does
 */
public record Written<T>(T resource, boolean created, List<String> warnings) {
  public Written {
    warnings = warnings == null ? List.of() : List.copyOf(warnings);
  }

  public Written(T resource, boolean created) {
    this(resource, created, List.of());
  }

  public Written<T> withWarnings(List<String> newWarnings) {
    return new Written<>(resource, created, newWarnings);
  }
}
