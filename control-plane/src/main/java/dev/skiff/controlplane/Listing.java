package dev.skiff.controlplane;

import java.util.List;

/**
 * Items read together at one store revision. Watching from {@link #revision()} afterwards sees
 * every later change and nothing the list already reflects (list-then-watch).
 *
 * @param revision the store revision the items reflect
 * @param items the items, in the order the method that returned them documents
 */
public record Listing<T>(long revision, List<T> items) {
  public Listing {
    items = List.copyOf(items);
  }
}
