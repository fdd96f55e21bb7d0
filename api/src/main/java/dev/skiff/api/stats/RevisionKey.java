package dev.skiff.api.stats;

import java.util.Objects;

/**
 * Names one revision across the platform.
 *
 * @param namespace the service's namespace
 * @param name the revision name, {@code {service}-{00001..}}
 */
public record RevisionKey(String namespace, String name) {
  public RevisionKey {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
  }

  public static RevisionKey of(String namespace, String name) {
    return new RevisionKey(namespace, name);
  }

  /** Reads {@code namespace/name}, the form {@link #toString()} writes. */
  public static RevisionKey parse(String key) {
    int slash = key.indexOf('/');
    if (slash <= 0 || slash == key.length() - 1 || key.indexOf('/', slash + 1) >= 0) {
      throw new IllegalArgumentException(
          "'" + key + "' is not a revision key like default/hello-00001");
    }
    return new RevisionKey(key.substring(0, slash), key.substring(slash + 1));
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
