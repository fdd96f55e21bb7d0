package dev.skiff.api.validation;

import dev.skiff.api.model.EnvSource;
import dev.skiff.api.model.RevisionTemplate;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a template's env read from secrets and config maps ({@code envValueFrom}, {@code
 * envFrom}).
 */
final class EnvReferences {
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern PREFIX = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  static final Pattern KEY = Pattern.compile("[-._a-zA-Z0-9]{1,253}");
  static final String KEY_HINT = "keys are letters, digits, '-', '_' and '.', e.g. password";

  private EnvReferences() {}

  static void check(Problems p, String path, RevisionTemplate t, Set<String> reserved) {
    t.envValueFrom()
        .forEach(
            (name, src) -> {
              String at = path + ".envValueFrom." + name;
              if (!ENV_NAME.matcher(name).matches()) {
                p.add(at, "is not a valid variable name", "use [A-Za-z_][A-Za-z0-9_]*");
              } else if (reserved.contains(name)) {
                p.add(at, "is set by the platform", "remove it; Skiff sets " + reserved);
              } else if (t.env().containsKey(name)) {
                p.add(at, "is also given a literal value in env", "keep one of the two");
              }
              source(p, at, src, true);
            });
    for (int i = 0; i < t.envFrom().size(); i++) {
      EnvSource src = t.envFrom().get(i);
      String at = path + ".envFrom[" + i + "]";
      source(p, at, src, false);
      if (src != null && src.prefix() != null && !PREFIX.matcher(src.prefix()).matches()) {
        p.add(at + ".prefix", "'" + src.prefix() + "' cannot start a variable name", "e.g. DB_");
      }
    }
  }

  private static void source(Problems p, String at, EnvSource src, boolean oneKey) {
    if (src == null) {
      p.add(at, "must not be null", null);
      return;
    }
    if ((src.secret() == null) == (src.configMap() == null)) {
      p.add(at, "needs exactly one of secret or configMap", "name the secret or config map");
      return;
    }
    String field = at + (src.isSecret() ? ".secret" : ".configMap");
    if (!Names.isDnsLabel(src.sourceName())) {
      p.add(field, "'" + src.sourceName() + "' is not a DNS label", Names.DNS_HINT);
    }
    if (oneKey) {
      if (src.key() == null || src.key().isEmpty()) {
        p.add(at + ".key", "is required", "the key of " + src.describe() + " to read");
      } else if (!KEY.matcher(src.key()).matches()) {
        p.add(at + ".key", "'" + src.key() + "' is not a valid key", KEY_HINT);
      }
      if (src.prefix() != null) {
        p.add(at + ".prefix", "applies to envFrom only", "remove it");
      }
    } else if (src.key() != null) {
      p.add(at + ".key", "envFrom takes every key", "use envValueFrom for one key");
    }
  }
}
