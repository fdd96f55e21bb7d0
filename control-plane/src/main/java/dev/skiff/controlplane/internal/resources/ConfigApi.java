package dev.skiff.controlplane.internal.resources;

import dev.skiff.api.model.ConfigMap;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Secret;
import dev.skiff.api.validation.ConfigValidator;
import dev.skiff.api.validation.ValidationException;
import dev.skiff.controlplane.InvalidResourceException;
import dev.skiff.controlplane.Listing;
import dev.skiff.controlplane.NotFoundException;
import dev.skiff.controlplane.internal.secrets.SealedSecret;
import dev.skiff.controlplane.internal.secrets.SecretCipher;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Secrets and config maps. A secret's values are sealed before they reach the store and are never
 * answered to a client: reads give keys and sizes. Only {@link #secretValues} opens them, for the
 * node that starts an instance. Config maps are stored and answered as given.
 */
public final class ConfigApi {
  /** Outside {@link Keys#ROOT}, so neither the watch feed nor resource listings carry them. */
  static final String SECRETS = "/skiff-config/secrets/";

  static final String CONFIG_MAPS = "/skiff-config/configmaps/";

  private final Vertx vertx;
  private final Repository repo;
  private final Path keyFile;
  private final ObjectWriter<SealedSecret> secrets;
  private final ObjectWriter<ConfigMap> configMaps;
  private volatile Future<SecretCipher> cipher;

  public ConfigApi(Vertx vertx, Repository repo, Path keyFile, Clock clock) {
    this.vertx = vertx;
    this.repo = repo;
    this.keyFile = keyFile;
    // The sealed form changes with every write (fresh nonces), so each write is a new generation.
    this.secrets = new ObjectWriter<>(repo, SealedSecret.class, s -> s, clock);
    this.configMaps = new ObjectWriter<>(repo, ConfigMap.class, ConfigMap::data, clock);
  }

  /**
   * The cipher, its key file read (or made) once, off the event loop; shared with what else is
   * sealed (domain certificates).
   */
  Future<SecretCipher> cipher() {
    Future<SecretCipher> c = cipher;
    if (c == null || c.failed()) {
      c = vertx.executeBlocking(() -> SecretCipher.fromKeyFile(keyFile));
      cipher = c;
    }
    return c;
  }

  /** Domain mappings and their certificates, sealed with this cipher. */
  public DomainApi domains(
      String clusterDomain, dev.skiff.controlplane.events.EventLog events, Clock clock) {
    return new DomainApi(repo, clusterDomain, this::cipher, events, clock);
  }

  static String secretKey(String ns, String name) {
    return SECRETS + ns + "/" + name;
  }

  static String configMapKey(String ns, String name) {
    return CONFIG_MAPS + ns + "/" + name;
  }

  /** Writes a secret; answers it described (keys and sizes, no values). */
  public Future<Written<Secret>> writeSecret(Secret s, boolean createOnly) {
    try {
      ConfigValidator.validate(s);
    } catch (ValidationException e) {
      return Future.failedFuture(invalid(e));
    }
    ObjectMeta m = s.metadata();
    String ns = m.namespaceOrDefault();
    return cipher()
        .compose(
            c -> {
              Map<String, SealedSecret.Value> sealed = new TreeMap<>();
              ConfigValidator.values(s)
                  .forEach(
                      (k, v) ->
                          sealed.put(
                              k,
                              new SealedSecret.Value(
                                  v.length, c.seal(SealedSecret.place(ns, m.name(), k), v))));
              SealedSecret stored =
                  new SealedSecret(
                      null,
                      null,
                      m.withNamespace(ns),
                      s.type() == null ? Secret.DEFAULT_TYPE : s.type(),
                      sealed);
              return secrets.write(secretKey(ns, m.name()), stored, createOnly);
            })
        .map(w -> new Written<>(described(w.resource()), w.created()));
  }

  public Future<Secret> secret(String ns, String name) {
    return repo.get(secretKey(ns, name), SealedSecret.class)
        .compose(
            found ->
                found.isPresent()
                    ? Future.succeededFuture(described(found.get()))
                    : Future.failedFuture(notFound("secret", ns, name)));
  }

  public Future<List<Secret>> secrets(String ns) {
    return repo.list(SECRETS + ns + "/", SealedSecret.class)
        .map(l -> l.items().stream().map(ConfigApi::described).toList());
  }

  public Future<Void> deleteSecret(String ns, String name) {
    return secrets.delete(secretKey(ns, name), "secret " + ns + "/" + name);
  }

  /**
   * A secret's values as text (UTF-8), for env; empty when it does not exist. The one place values
   * are opened.
   */
  public Future<Optional<Map<String, String>>> secretValues(String ns, String name) {
    return repo.get(secretKey(ns, name), SealedSecret.class)
        .compose(
            found -> {
              if (found.isEmpty()) {
                return Future.succeededFuture(Optional.empty());
              }
              return cipher()
                  .map(
                      c -> {
                        Map<String, String> out = new LinkedHashMap<>();
                        found
                            .get()
                            .values()
                            .forEach(
                                (k, v) ->
                                    out.put(
                                        k,
                                        new String(
                                            c.open(SealedSecret.place(ns, name, k), v.sealed()),
                                            StandardCharsets.UTF_8)));
                        return Optional.of(out);
                      });
            });
  }

  public Future<Written<ConfigMap>> writeConfigMap(ConfigMap c, boolean createOnly) {
    try {
      ConfigValidator.validate(c);
    } catch (ValidationException e) {
      return Future.failedFuture(invalid(e));
    }
    String ns = c.metadata().namespaceOrDefault();
    ConfigMap withNs = c.withMetadata(c.metadata().withNamespace(ns));
    return configMaps.write(configMapKey(ns, c.metadata().name()), withNs, createOnly);
  }

  public Future<ConfigMap> configMap(String ns, String name) {
    return repo.get(configMapKey(ns, name), ConfigMap.class)
        .compose(
            found ->
                found.isPresent()
                    ? Future.succeededFuture(found.get())
                    : Future.failedFuture(notFound("config map", ns, name)));
  }

  public Future<Listing<ConfigMap>> configMaps(String ns) {
    return repo.list(CONFIG_MAPS + ns + "/", ConfigMap.class);
  }

  public Future<Void> deleteConfigMap(String ns, String name) {
    return configMaps.delete(configMapKey(ns, name), "config map " + ns + "/" + name);
  }

  /** A config map's data; empty when it does not exist. */
  public Future<Optional<Map<String, String>>> configMapValues(String ns, String name) {
    return repo.get(configMapKey(ns, name), ConfigMap.class).map(o -> o.map(ConfigMap::data));
  }

  private static InvalidResourceException invalid(ValidationException e) {
    return new InvalidResourceException(
        e.getMessage(), "fix the fields listed in details and send it again", e.errors());
  }

  private static Secret described(SealedSecret s) {
    Map<String, Integer> sizes = new TreeMap<>();
    s.values().forEach((k, v) -> sizes.put(k, v.size()));
    return Secret.described(s.metadata(), s.type(), sizes);
  }

  private static NotFoundException notFound(String what, String ns, String name) {
    return new NotFoundException(
        what + " " + ns + "/" + name + " does not exist",
        "create it with skiff secret create or skiff apply");
  }
}
