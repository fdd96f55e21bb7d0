package dev.skiff.activator.spi;

import java.util.List;

/**
 * A revision's serving state as the activator needs it.
 *
 * @param ready the endpoints ready to serve now; empty when the revision is at zero
 * @param containerConcurrency how many requests one instance takes at once ({@code
 *     spec.template.containerConcurrency}); 0 means unlimited
 * @param unavailable why the revision cannot get an instance (its starts failed for good, or its
 *     node is full), or null while it can; with no ready endpoint, requests fail at once with 503
 *     and this reason instead of waiting for an instance that will not come
 */
public record RevisionEndpoints(
    List<Endpoint> ready, int containerConcurrency, String unavailable) {
  /** No ready endpoint, unlimited concurrency: a revision the watch knows nothing about. */
  public static final RevisionEndpoints NONE = new RevisionEndpoints(List.of(), 0);

  public RevisionEndpoints {
    ready = List.copyOf(ready);
    if (containerConcurrency < 0) {
      throw new IllegalArgumentException(
          "containerConcurrency must be >= 0 (0 = unlimited), got " + containerConcurrency);
    }
  }

  /** A revision that can get instances. */
  public RevisionEndpoints(List<Endpoint> ready, int containerConcurrency) {
    this(ready, containerConcurrency, null);
  }
}
