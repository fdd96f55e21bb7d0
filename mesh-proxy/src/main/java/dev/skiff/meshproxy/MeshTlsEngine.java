package dev.skiff.meshproxy;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.net.OpenSSLEngineOptions;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * What speaks TLS on the mesh's hops: the sidecar's listener, component listeners, and the clients
 * of the gateway, the activator and workloads calling each other. {@link #OPENSSL} (BoringSSL,
 * through netty-tcnative) costs far less CPU per request than the JDK's SSLEngine; it is used
 * wherever it loads, and {@link #JDK} everywhere else. The checks are the same on both (TLS 1.3
 * only, the peer's chain and identity checked by the mesh's own verifier at the handshake).
 *
 * <p>The environment variable {@value #ENV} ({@code openssl} or {@code jdk}) overrides the choice
 * for a process: a diagnostic and measurement switch, so one build can be measured on both engines.
 */
public enum MeshTlsEngine {
  OPENSSL,
  JDK;

  /** The environment variable that picks the engine of a process. */
  public static final String ENV = "SKIFF_MESH_TLS_ENGINE";

  /** The meter ({@code skiff_mesh_tls_engine} on /metrics) that is 1, tagged {@code engine}. */
  public static final String METER = "skiff.mesh.tls.engine";

  /**
   * OpenSSL where it loads, JDK otherwise, unless {@value #ENV} says which. The variable and
   * whether OpenSSL loads are read once per process (neither changes while it runs): every
   * sidecar's builder asks, so every cold start would otherwise look the variable up again.
   *
   * @throws IllegalArgumentException when {@value #ENV} is neither {@code openssl} nor {@code jdk}
   */
  public static MeshTlsEngine preferred() {
    return choose(Once.SETTING, Once.OPENSSL_LOADS);
  }

  /** What {@link #preferred} chooses from, read when first asked for. */
  private static final class Once {
    static final String SETTING = System.getenv(ENV);
    static final boolean OPENSSL_LOADS = OpenSSLEngineOptions.isAvailable();
  }

  /**
   * The engine {@code setting} (the value of {@value #ENV}; null or blank: no preference) asks for,
   * given whether OpenSSL loads; {@code openssl} where it does not load falls back to the JDK's.
   *
   * @throws IllegalArgumentException when {@code setting} is neither {@code openssl} nor {@code
   *     jdk}
   */
  static MeshTlsEngine choose(String setting, boolean openSslLoads) {
    if (setting == null || setting.isBlank()) {
      return openSslLoads ? OPENSSL : JDK;
    }
    return switch (setting.trim().toLowerCase(Locale.ROOT)) {
      case "openssl" -> openSslLoads ? OPENSSL : JDK;
      case "jdk" -> JDK;
      default ->
          throw new IllegalArgumentException(
              ENV
                  + " must be openssl or jdk (what speaks the mesh's TLS), got '"
                  + setting
                  + "'; unset it to use OpenSSL where it loads");
    };
  }

  /** This engine where it can run: {@link #JDK} for {@link #OPENSSL} when OpenSSL does not load. */
  public MeshTlsEngine effective() {
    return this == OPENSSL && !OpenSSLEngineOptions.isAvailable() ? JDK : this;
  }

  /** Whether TLS runs on OpenSSL: this is {@link #OPENSSL} and OpenSSL loads in this process. */
  public boolean openSsl() {
    return effective() == OPENSSL;
  }

  /** The engine's name in metrics and logs: {@code openssl} or {@code jdk}. */
  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Registers {@value #METER} = 1 tagged with this engine on {@code registry}, once: registering it
   * again returns the same gauge. Every sidecar's bind asks, so the gauge is remembered per
   * registry rather than searched for (a search walks every meter of the registry, thousands on a
   * node with many revisions); the gauge is never removed from its registry.
   */
  public Gauge register(MeterRegistry registry) {
    MeshTlsEngine engine = effective();
    synchronized (Registered.GAUGES) {
      Map<MeshTlsEngine, Gauge> known =
          Registered.GAUGES.computeIfAbsent(registry, r -> new EnumMap<>(MeshTlsEngine.class));
      return known.computeIfAbsent(
          engine,
          e ->
              Gauge.builder(METER, () -> 1)
                  .description(
                      "What speaks TLS on the mesh's hops in this process (openssl or jdk)")
                  .tag("engine", e.tag())
                  .register(registry));
    }
  }

  /** The gauges {@link #register} made, by registry (weakly: a registry may be dropped). */
  private static final class Registered {
    static final Map<MeterRegistry, Map<MeshTlsEngine, Gauge>> GAUGES = new WeakHashMap<>();
  }
}
