package dev.skiff.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.model.EnvSource;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionSpec;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.node.internal.EnvResolver;
import dev.skiff.node.internal.EnvResolvingBackend;
import dev.skiff.node.spi.EnvSources;
import dev.skiff.node.spi.Instance;
import dev.skiff.node.spi.InstanceSpec;
import dev.skiff.node.spi.RuntimeBackend;
import dev.skiff.node.spi.StartProgress;
import io.vertx.core.Future;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Env read from secrets and config maps as an instance starts, with Kubernetes' precedence. */
class EnvResolverTest {
  static final String VALUE = "s3cr3t-value";

  final EnvSources sources =
      new EnvSources() {
        @Override
        public Future<Optional<Map<String, String>>> secret(String ns, String name) {
          return Future.succeededFuture(
              "db".equals(name) && "shop".equals(ns)
                  ? Optional.of(Map.of("password", VALUE, "user", "app", "not-a-name", "x"))
                  : Optional.empty());
        }

        @Override
        public Future<Optional<Map<String, String>>> configMap(String ns, String name) {
          return Future.succeededFuture(
              "settings".equals(name)
                  ? Optional.of(Map.of("MODE", "fast", "user", "from-config"))
                  : Optional.empty());
        }
      };

  static Revision revision(
      Map<String, String> env, Map<String, EnvSource> valueFrom, List<EnvSource> envFrom) {
    RevisionTemplate t =
        new RevisionTemplate(
            "img", null, env, null, null, null, null, null, null, valueFrom, envFrom);
    return Revision.of(ObjectMeta.of("shop", "web-00001"), new RevisionSpec("web", 1, t));
  }

  static Map<String, String> env(Revision r) throws Exception {
    return resolved(r).spec().template().env();
  }

  static Revision resolved(Revision r) throws Exception {
    return new EnvResolver(new EnvResolverTest().sources)
        .resolve(r)
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }

  @Test
  void theResolvedSpecKeepsItsStartProgressSoPullsAreStillReported() throws Exception {
    AtomicReference<InstanceSpec> started = new AtomicReference<>();
    RuntimeBackend inner =
        new RuntimeBackend() {
          @Override
          public String kind() {
            return "container";
          }

          @Override
          public Future<Instance> start(InstanceSpec spec) {
            started.set(spec);
            return Future.failedFuture("not started in this test");
          }

          @Override
          public Future<Void> close() {
            return Future.succeededFuture();
          }
        };
    StartProgress progress = pull -> {};
    Revision r =
        revision(Map.of(), Map.of("PASSWORD", EnvSource.secretKey("db", "password")), List.of());
    new EnvResolvingBackend(inner, new EnvResolver(sources))
        .start(new InstanceSpec("shop.web-00001.1", r, (stream, line) -> {}, null, progress));
    assertEquals(VALUE, started.get().template().env().get("PASSWORD"));
    assertSame(progress, started.get().progress());
  }

  @Test
  void secretKeyRefGivesTheValueAndLiteralEnvWinsOverEnvFrom() throws Exception {
    Map<String, String> literal = new LinkedHashMap<>();
    literal.put("user", "literal");
    Revision r =
        revision(
            literal,
            Map.of("DB_PASSWORD", EnvSource.secretKey("db", "password")),
            List.of(
                new EnvSource("db", null, null, null, null),
                new EnvSource(null, "settings", null, "CFG_", null)));
    Map<String, String> env = env(r);
    assertEquals(VALUE, env.get("DB_PASSWORD"));
    assertEquals(VALUE, env.get("password"));
    assertEquals("literal", env.get("user"));
    assertEquals("fast", env.get("CFG_MODE"));
    assertFalse(env.containsKey("not-a-name"), "keys that are no variable name are skipped");
  }

  @Test
  void templateWithoutReferencesIsLeftAsItIs() throws Exception {
    Revision r = revision(Map.of("A", "1"), null, null);
    assertSame(r, resolved(r));
  }

  @Test
  void missingSecretFailsTheStartNamingItButNoValue() {
    Revision r = revision(null, Map.of("X", EnvSource.secretKey("nope", "k")), null);
    var e = assertThrows(ExecutionException.class, () -> resolved(r));
    InstanceStartException cause = (InstanceStartException) e.getCause();
    assertEquals("SecretMissing", cause.reason());
    assertTrue(cause.getMessage().contains("secret nope in namespace shop does not exist"));
    assertTrue(cause.getMessage().contains("skiff secret create nope"), cause.getMessage());
  }

  @Test
  void missingKeyFailsTheStartAndOptionalReferencesAreSkipped() throws Exception {
    Revision r = revision(null, Map.of("X", EnvSource.secretKey("db", "nokey")), null);
    var e = assertThrows(ExecutionException.class, () -> resolved(r));
    InstanceStartException cause = (InstanceStartException) e.getCause();
    assertEquals("SecretKeyMissing", cause.reason());
    assertFalse(cause.getMessage().contains(VALUE));

    Revision optional =
        revision(
            null,
            Map.of("X", new EnvSource("db", null, "nokey", null, true)),
            List.of(new EnvSource(null, "absent", null, null, true)));
    assertEquals(Map.of(), env(optional));
  }
}
