package dev.skiff.node.internal;

import dev.skiff.api.model.EnvSource;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionSpec;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.node.InstanceStartException;
import dev.skiff.node.spi.EnvSources;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Resolves a revision's env references when an instance starts, as Kubernetes does for a pod: every
 * key of each {@code envFrom} source in order (with its prefix; keys that are no variable name are
 * skipped), then the literal {@code env} and the {@code envValueFrom} values over them. A missing
 * source or key fails the start (reason {@code SecretMissing}, {@code ConfigMapMissing}, {@code
 * SecretKeyMissing} or {@code ConfigMapKeyMissing}) unless the reference is optional. Messages name
 * sources and keys, never values.
 */
public final class EnvResolver {
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private final EnvSources sources;

  public EnvResolver(EnvSources sources) {
    this.sources = sources;
  }

  /** The revision with its template's env complete; the same revision when it has no references. */
  public Future<Revision> resolve(Revision r) {
    RevisionTemplate t = r.spec().template();
    if (!t.hasEnvReferences()) {
      return Future.succeededFuture(r);
    }
    String ns = r.metadata().namespaceOrDefault();
    List<EnvSource> wanted = new ArrayList<>(t.envFrom());
    wanted.addAll(t.envValueFrom().values());
    Map<String, Future<Optional<Map<String, String>>>> fetched = new HashMap<>();
    for (EnvSource s : wanted) {
      fetched.computeIfAbsent(
          s.describe(),
          k ->
              s.isSecret()
                  ? sources.secret(ns, s.sourceName())
                  : sources.configMap(ns, s.sourceName()));
    }
    return Future.all(new ArrayList<>(fetched.values()))
        .compose(
            all -> {
              try {
                Map<String, String> env = merge(r, t, fetched);
                return Future.succeededFuture(
                    new Revision(
                        r.apiVersion(),
                        r.kind(),
                        r.metadata(),
                        new RevisionSpec(r.spec().service(), r.spec().number(), t.withEnv(env)),
                        r.status()));
              } catch (InstanceStartException e) {
                return Future.failedFuture(e);
              }
            });
  }

  private static Map<String, String> merge(
      Revision r, RevisionTemplate t, Map<String, Future<Optional<Map<String, String>>>> fetched) {
    Map<String, String> env = new LinkedHashMap<>();
    for (EnvSource s : t.envFrom()) {
      Optional<Map<String, String>> values = fetched.get(s.describe()).result();
      if (values.isEmpty()) {
        if (!s.isOptional()) {
          throw missing(r, s, null);
        }
        continue;
      }
      String prefix = s.prefix() == null ? "" : s.prefix();
      values
          .get()
          .forEach(
              (k, v) -> {
                if (ENV_NAME.matcher(prefix + k).matches()) {
                  env.put(prefix + k, v);
                }
              });
    }
    env.putAll(t.env());
    t.envValueFrom()
        .forEach(
            (name, s) -> {
              Optional<Map<String, String>> values = fetched.get(s.describe()).result();
              String value = values.map(m -> m.get(s.key())).orElse(null);
              if (value != null) {
                env.put(name, value);
              } else if (!s.isOptional()) {
                throw missing(r, s, values.isPresent() ? s.key() : null);
              }
            });
    return env;
  }

  private static InstanceStartException missing(Revision r, EnvSource s, String key) {
    String kind = s.isSecret() ? "Secret" : "ConfigMap";
    String ns = r.metadata().namespaceOrDefault();
    String fix =
        s.isSecret()
            ? "create it: skiff secret create "
                + s.sourceName()
                + " --from-literal KEY=VALUE -n "
                + ns
            : "create it with skiff apply (a v1 ConfigMap)";
    if (key == null) {
      return new InstanceStartException(
          kind + "Missing",
          s.describe() + " in namespace " + ns + " does not exist; " + fix + ", then deploy again",
          null);
    }
    return new InstanceStartException(
        kind + "KeyMissing",
        s.describe() + " in namespace " + ns + " has no key " + key + "; add it, then deploy again",
        null);
  }
}
