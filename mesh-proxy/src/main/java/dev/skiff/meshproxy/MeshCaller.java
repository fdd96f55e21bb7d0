package dev.skiff.meshproxy;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.internal.CallerClient;
import dev.skiff.meshproxy.internal.OutboundAttempts;
import dev.skiff.meshproxy.spi.CalleeEndpoints;
import dev.skiff.meshproxy.spi.LocalCallees;
import dev.skiff.routing.Outliers;
import dev.skiff.routing.PeakEwma;
import dev.skiff.routing.RetryBudget;
import dev.skiff.routing.Route;
import dev.skiff.routing.RouteTable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The outbound side of the mesh on one node: a workload calls another service by name and the call
 * goes the way ingress goes, with the same route table and traffic split (routing's {@link
 * RouteTable}), but from the caller's own identity. Per call: resolve {@code {service}.{namespace}}
 * (or {@code {tag}-{service}.{namespace}}, with or without the domain), pick a revision by weight,
 * pick an instance by peak-EWMA power of two choices, call its sidecar over mTLS as the caller (the
 * callee's policy sees who calls; the callee's identity is checked before a byte is sent), within
 * the call's timeout (504 after). A callee at zero is woken as ingress wakes it and the call waits
 * for its first instance. Failed attempts are retried within Linkerd's budget when the method is
 * idempotent or the callee never received the request, and instances that fail seven times in a row
 * are ejected for a while. A callee whose sidecar runs in this process and serves its workload here
 * ({@link LocalCallees}: a Wasm instance of skiffd's JVM) is entered in process instead, with the
 * caller's identity checked by the same policy: no socket, no TLS. Thread-safe.
 */
public final class MeshCaller {
  private final Vertx vertx;
  private final MeshTlsEngine tlsEngine;
  private final Supplier<RouteTable> routes;
  private final String domain;
  private final CalleeEndpoints endpoints;
  private final LocalCallees locals;
  private final Duration connectTimeout;
  private final PeakEwma<Callee> balancer;
  private final Outliers<Callee> outliers = Outliers.create();
  private final LongSupplier nanoTime;
  private final RetryBudget budget;
  private final ConcurrentMap<SpiffeId, CallerClient> clients = new ConcurrentHashMap<>();

  private MeshCaller(Builder b) {
    this.vertx = Objects.requireNonNull(b.vertx, "vertx");
    this.routes = Objects.requireNonNull(b.routes, "routes");
    this.domain = Objects.requireNonNull(b.domain, "domain");
    this.endpoints = Objects.requireNonNull(b.endpoints, "endpoints");
    this.locals = Objects.requireNonNull(b.locals, "locals");
    this.connectTimeout = b.connectTimeout;
    this.tlsEngine = Objects.requireNonNull(b.tlsEngine, "tlsEngine").effective();
    this.nanoTime = b.nanoTime;
    this.balancer = new PeakEwma<>(b.nanoTime, outliers);
    this.budget = new RetryBudget(b.nanoTime);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The route {@code url}'s host names in the current table, or null. */
  public Route route(URI url) {
    String host = normalized(url);
    if (host == null) {
      return null;
    }
    RouteTable table = routes.get();
    Route r = table.lookup(host);
    return r != null || host.endsWith("." + domain) ? r : table.lookup(host + "." + domain);
  }

  /**
   * Whether {@code url} names a service of the mesh, existing or not: a route; a host under the
   * domain of the form {@code {label}.{namespace}.{domain}}; or {@code {label}.{namespace}} where
   * some service lives in that namespace (so {@code example.com} is not taken for namespace {@code
   * com} unless there is one).
   */
  public boolean isMeshName(URI url) {
    if (route(url) != null) {
      return true;
    }
    String host = normalized(url);
    if (host == null || isIp(host)) {
      return false;
    }
    boolean underDomain = host.endsWith("." + domain);
    if (underDomain) {
      host = host.substring(0, host.length() - domain.length() - 1);
    }
    String[] labels = host.split("\\.", -1);
    if (labels.length != 2 || labels[0].isEmpty() || labels[1].isEmpty()) {
      return false;
    }
    return underDomain || routes.get().hasNamespace(labels[1]);
  }

  /**
   * Makes the call as {@code caller} (the calling workload's identity, started). Never fails for a
   * reason the mesh can put into an answer (404, 502, 503, 504 with a JSON body); fails with {@link
   * ResponseTooLargeException} when the callee's body is over the call's limit. Completes on a
   * Vert.x event loop.
   */
  public Future<OutboundReply> call(IdentityProvider caller, OutboundCall call) {
    CallerClient client =
        clients.computeIfAbsent(caller.id(), k -> new CallerClient(vertx, caller, tlsEngine));
    var attempts =
        new OutboundAttempts(
            vertx,
            caller.id(),
            client,
            endpoints,
            locals,
            balancer,
            budget,
            connectTimeout,
            domain,
            call,
            route(call.url()));
    return attempts.start();
  }

  /** Whether {@code instance} is ejected now (left out of instance choice while others remain). */
  public boolean ejected(Callee instance) {
    return outliers.ejected(instance, nanoTime.getAsLong());
  }

  /** Retries granted by the budget so far (all callers of this node). */
  public long retries() {
    return budget.retries();
  }

  /** Closes the callers' clients. */
  public void close() {
    clients.values().forEach(CallerClient::close);
    clients.clear();
  }

  private static String normalized(URI url) {
    String h = url.getHost();
    if (h == null || h.isEmpty()) {
      return null;
    }
    h = h.toLowerCase(Locale.ROOT);
    return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
  }

  private static boolean isIp(String host) {
    return host.chars().allMatch(c -> (c >= '0' && c <= '9') || c == '.');
  }

  /** Builds a {@link MeshCaller}. */
  public static final class Builder {
    private Vertx vertx;
    private Supplier<RouteTable> routes;
    private String domain;
    private CalleeEndpoints endpoints;
    private LocalCallees locals = LocalCallees.NONE;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private LongSupplier nanoTime = System::nanoTime;
    private MeshTlsEngine tlsEngine = MeshTlsEngine.preferred();

    private Builder() {}

    /** What speaks the calls' TLS; default {@link MeshTlsEngine#preferred()}. */
    public Builder withTlsEngine(MeshTlsEngine engine) {
      this.tlsEngine = engine;
      return this;
    }

    public Builder withVertx(Vertx vertx) {
      this.vertx = vertx;
      return this;
    }

    /** The current route table (the gateway's, or one fed from the same watch). */
    public Builder withRoutes(Supplier<RouteTable> routes) {
      this.routes = routes;
      return this;
    }

    /** The platform's domain, e.g. {@code localhost}: {@code {service}.{namespace}.{domain}}. */
    public Builder withDomain(String domain) {
      this.domain = domain.toLowerCase(Locale.ROOT);
      return this;
    }

    public Builder withEndpoints(CalleeEndpoints endpoints) {
      this.endpoints = endpoints;
      return this;
    }

    /**
     * The callees served in this process, entered without a socket (same policy, limit and stats);
     * default none.
     */
    public Builder withLocalCallees(LocalCallees locals) {
      this.locals = locals;
      return this;
    }

    public Builder withConnectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
      return this;
    }

    /** The clock of the balancer, the ejection backoffs and the retry budget. */
    public Builder withNanoTime(LongSupplier nanoTime) {
      this.nanoTime = nanoTime;
      return this;
    }

    public MeshCaller build() {
      return new MeshCaller(this);
    }
  }
}
