package dev.skiff.activator.spi;

import java.util.List;

/**
 * A revision's serving state as the activator needs it.
 *
 * @param ready the endpoints ready to serve now; empty when the revision is at zero
 * @param containerConcurrency how many requests one instance takes at once ({@code
 *     spec.template.containerConcurrency}); 0 means unlimited
 */
public record RevisionEndpoints(List<Endpoint> ready, int containerConcurrency) {
  /** No ready endpoint, unlimited concurrency: a revision the watch knows nothing about. */
  public static final RevisionEndpoints NONE = new RevisionEndpoints(List.of(), 0);

  public RevisionEndpoints {
    ready = List.copyOf(ready);
    if (containerConcurrency < 0) {
      throw new IllegalArgumentException(
          "containerConcurrency must be >= 0 (0 = unlimited), got " + containerConcurrency);
    }
  }
}
