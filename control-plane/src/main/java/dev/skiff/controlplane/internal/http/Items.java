package dev.skiff.controlplane.internal.http;

import dev.skiff.controlplane.Listing;
import java.util.List;

/**
 * A list answer: {@code {"items": [...], "revision": n}}; watching from {@code revision} continues
 * exactly where the list left off.
 */
record Items<T>(List<T> items, long revision) {
  static <T> Items<T> of(Listing<T> l) {
    return new Items<>(l.items(), l.revision());
  }
}
