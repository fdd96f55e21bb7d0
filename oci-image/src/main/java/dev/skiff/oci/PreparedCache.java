package dev.skiff.oci;

import java.util.LinkedHashMap;
import java.util.Map;

/** The most recently used prepared images by pinned reference and platform, at most a bound. */
final class PreparedCache {
  private final Map<String, PreparedImage> entries;

  @SuppressWarnings("serial") // never serialized
  PreparedCache(int capacity) {
    this.entries =
        new LinkedHashMap<>(16, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, PreparedImage> eldest) {
            return size() > capacity;
          }
        };
  }

  synchronized PreparedImage get(String key) {
    return entries.get(key);
  }

  synchronized void put(String key, PreparedImage image) {
    entries.put(key, image);
  }

  synchronized void clear() {
    entries.clear();
  }
}
