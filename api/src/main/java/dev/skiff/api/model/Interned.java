package dev.skiff.api.model;

import java.util.HashMap;
import java.util.Map;

/**
 * The strings every copy of a resource repeats (namespaces, annotation and label keys and values,
 * module digests) as one shared instance each: a process holds a record of every service and
 * revision, and a thousand services said {@code default} and {@code
 * autoscaling.knative.dev/min-scale} a few thousand times over (docs/benchmarks.md, density). The
 * JVM's string table forgets an interned string once nothing refers to it.
 */
final class Interned {
  private Interned() {}

  static String of(String s) {
    return s == null ? null : s.intern();
  }

  /** An immutable copy with interned keys and values; the empty map when null. */
  static Map<String, String> of(Map<String, String> m) {
    if (m == null || m.isEmpty()) {
      return Map.of();
    }
    Map<String, String> out = new HashMap<>(m.size() * 2);
    m.forEach((k, v) -> out.put(of(k), of(v)));
    return Map.copyOf(out);
  }
}
