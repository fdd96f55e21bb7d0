package dev.skiff.api.validation;

import dev.skiff.api.model.AllowedHost;
import dev.skiff.api.model.RevisionTemplate;
import java.util.HashSet;
import java.util.Set;

/** Checks a template's {@code allowedHosts}: Wasm only, each entry readable, bounded in number. */
final class AllowedHostRules {
  /** Entries per template. */
  static final int MAX_ENTRIES = 64;

  private AllowedHostRules() {}

  static void check(Problems p, String path, RevisionTemplate t) {
    var hosts = t.allowedHosts();
    if (hosts.isEmpty()) {
      return;
    }
    String at = path + ".allowedHosts";
    if (t.wasm() == null) {
      p.add(
          at,
          "applies to Wasm functions only",
          "remove it; a container's outbound calls are not restricted by it");
      return;
    }
    if (hosts.size() > MAX_ENTRIES) {
      p.add(at, "has " + hosts.size() + " entries, more than " + MAX_ENTRIES, null);
      return;
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < hosts.size(); i++) {
      try {
        AllowedHost.parse(hosts.get(i));
        if (!seen.add(hosts.get(i))) {
          p.add(at + "[" + i + "]", "repeats '" + hosts.get(i) + "'", "list each host once");
        }
      } catch (IllegalArgumentException e) {
        p.add(at + "[" + i + "]", e.getMessage(), "write " + AllowedHost.FORMS);
      }
    }
  }
}
