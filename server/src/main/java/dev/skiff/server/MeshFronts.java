package dev.skiff.server;

import dev.skiff.activator.spi.LocalEndpoints;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.model.Authorization;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Service;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.controlplane.mesh.MeshCa;
import dev.skiff.gateway.spi.LocalInstances;
import dev.skiff.meshproxy.AuthorizationPolicy;
import dev.skiff.meshproxy.IdentityProvider;
import dev.skiff.meshproxy.IdentityScheduler;
import dev.skiff.meshproxy.RequestListener;
import dev.skiff.meshproxy.Sidecar;
import dev.skiff.meshproxy.TlsMode;
import dev.skiff.meshproxy.spi.LocalCallees;
import dev.skiff.node.spi.FrontDoor;
import dev.skiff.node.spi.Instance;
import dev.skiff.node.spi.InstanceFront;
import dev.skiff.node.spi.InstanceSpec;
import dev.skiff.node.stats.RequestTracker;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The node agent's {@link FrontDoor} with the mesh: a mesh-proxy {@link Sidecar} before every
 * instance, on the node's address (port 0), serving a Wasm instance in process and forwarding to a
 * container's address. Each sidecar has its own listener, concurrency limit (the template's
 * containerConcurrency), timeout and stats (counted into the agent's {@link RequestTracker}); the
 * identity {@code spiffe://{td}/ns/{ns}/svc/{service}} is one per service on this node, issued by
 * the in-process CA when the service is first seen and kept while it exists, so a cold start pays
 * no key generation nor signature; the node's identities share one {@link IdentityScheduler} (one
 * renewal timer, one trust-bundle fetch per refresh period). The policy and TLS mode come from the
 * service's {@code spec.authorization}, followed from the resource feed ({@link #onResourceEvent}):
 * a changed policy applies to the running sidecars at once; a changed mode to instances started
 * after it.
 *
 * <p>Every instance's sidecar, Wasm and container alike, can also be entered in process by the
 * activator ({@link #localEndpoints}) and by the gateway ({@link #localInstances}), and the
 * sidecars of Wasm instances by the mesh's outbound side ({@link #localCallees}): same JVM, no
 * socket, no handshake; the sidecar checks the caller's identity against the policy, limits and
 * counts as for a request over its listener, then serves a Wasm instance in process and forwards to
 * a container's address in plain HTTP.
 */
public final class MeshFronts implements FrontDoor {
  private static final System.Logger LOG = System.getLogger(MeshFronts.class.getName());

  /**
   * How long an instance's sidecar waits for its first in-process request before it binds its
   * listener anyway (a start for min-scale or a scale-up no waiting request asked for).
   */
  static final Duration LISTEN_WITHOUT_REQUEST_AFTER = Duration.ofMillis(50);

  private record Key(String namespace, String service) {}

  /** One service's mesh state on this node. */
  private final class ServiceMesh {
    final IdentityProvider identity;
    private Future<?> ready;
    final Set<Sidecar> sidecars = ConcurrentHashMap.newKeySet();
    volatile Authorization setting;
    volatile AuthorizationPolicy policy;
    volatile boolean deleted;

    ServiceMesh(Key key) {
      SpiffeId id = SpiffeId.workload(trustDomain, key.namespace(), key.service());
      this.identity =
          IdentityProvider.builder()
              .withVertx(vertx)
              .withIdentity(id)
              .withIssuer(issuers.apply(id))
              .withClock(clock)
              .withTtl(timings.leafTtl())
              .withScheduler(scheduler)
              .build();
      this.policy = policyFor(key, null);
      // Issued now, not at the first instance: a cold start finds the certificate ready.
      this.ready = issue();
    }

    /** The first certificate; asked for again when the last attempt failed. */
    synchronized Future<?> ready() {
      if (identity.current() != null) {
        return Future.succeededFuture();
      }
      if (ready.failed()) {
        ready = issue();
      }
      return ready;
    }

    private Future<?> issue() {
      return identity
          .start()
          .onFailure(
              err ->
                  LOG.log(
                      Level.WARNING,
                      "cannot issue the mesh identity {0}: {1}",
                      identity.id().uri(),
                      err.getMessage()));
    }
  }

  private final Vertx vertx;
  private final String trustDomain;
  private final java.util.function.Function<SpiffeId, dev.skiff.meshproxy.spi.CertificateIssuer>
      issuers;
  private final String bindHost;
  private final MeterRegistry registry;
  private final Clock clock;
  private final MeshTimings timings;
  private final IdentityScheduler scheduler;
  private final Map<Key, ServiceMesh> services = new HashMap<>();

  /** An instance's sidecar, by the instance's name, with its entry for the activator. */
  private record InProcess(Sidecar sidecar, String identity, LocalEndpoints.LocalEndpoint entry) {}

  private final Map<String, InProcess> inProcess = new ConcurrentHashMap<>();
  private volatile SpiffeId localCaller;

  /** Every sidecar of this node whose listener is bound, Wasm and container alike, by its port. */
  private final Map<Integer, Listening> byPort = new ConcurrentHashMap<>();

  private record Listening(Sidecar sidecar, String identity) {}

  /**
   * @param bindHost the node's address, where sidecars listen (loopback in one JVM)
   * @param timings the leaf lifetime the identities ask for and their bundle refresh period
   */
  public MeshFronts(
      Vertx vertx,
      MeshCa ca,
      String bindHost,
      MeterRegistry registry,
      Clock clock,
      MeshTimings timings) {
    this(
        vertx,
        ca.trustDomain(),
        id -> MeshIssuer.of(ca, id),
        () -> Future.succeededFuture(ca.trustBundle()),
        bindHost,
        registry,
        clock,
        timings);
  }

  /**
   * Sidecars whose identities another issuer signs: a remote node's, through the control plane's
   * node port (the CA is not in this JVM).
   *
   * @param issuers the issuer of each service identity, asked once per service on this node
   * @param trustBundle the node's trust bundle now (null: none yet), fetched once per {@link
   *     MeshTimings#bundleRefresh()} for all the node's identities
   */
  public MeshFronts(
      Vertx vertx,
      String trustDomain,
      java.util.function.Function<SpiffeId, dev.skiff.meshproxy.spi.CertificateIssuer> issuers,
      Supplier<Future<String>> trustBundle,
      String bindHost,
      MeterRegistry registry,
      Clock clock,
      MeshTimings timings) {
    this.vertx = vertx;
    this.trustDomain = trustDomain;
    this.issuers = issuers;
    this.bindHost = bindHost;
    this.registry = registry;
    this.clock = clock;
    this.timings = timings;
    // One renewal timer and one bundle refresh for every service identity of the node, however
    // many services sit at zero (docs/mesh.md, renewal).
    this.scheduler =
        IdentityScheduler.builder()
            .withVertx(vertx)
            .withClock(clock)
            .withTrustBundle(trustBundle)
            .withBundleRefresh(timings.bundleRefresh())
            .build();
  }

  @Override
  public Future<InstanceFront> open(InstanceSpec spec, Instance instance) {
    Key key = new Key(spec.namespace(), spec.serviceName());
    ServiceMesh m = service(key);
    RevisionTemplate t = spec.template();
    Sidecar.Builder b =
        Sidecar.builder()
            .withVertx(vertx)
            .withClock(clock)
            .withSharedIdentity(m.identity)
            .withRevision(RevisionKey.of(spec.namespace(), spec.revisionName()))
            .withPolicy(m.policy)
            .withTlsMode(mode(m.setting))
            .withContainerConcurrency(t.containerConcurrencyOrDefault())
            .withRequestTimeout(Duration.ofSeconds(t.timeoutSecondsOrDefault()))
            .withRequestListener(counting(spec.requests()))
            .withWorkloadH2c(t.h2c())
            .withMeterRegistry(registry);
    if (instance.handler() != null) {
      b.withWorkload(instance.handler());
    } else {
      b.withWorkload(instance.host(), instance.port());
    }
    Sidecar sidecar = b.build();
    String instanceId = spec.id();
    return m.ready()
        .compose(
            c -> {
              // The instance is ready for the activator in process at once (a Wasm instance's
              // handler, or a container over the sidecar's plain client to its address). Its
              // listener, for the gateway's direct path and the mesh's callers, is set up on this
              // context once the first request in process has been answered (or none came within
              // LISTEN_WITHOUT_REQUEST_AFTER); the agent publishes its address when listening
              // completes, and until then the gateway hands its requests to the activator. The
              // listener's TLS context and socket are no part of a cold start.
              sidecar.startInProcess();
              Future<Void> listening =
                  sidecar.listenAfterFirstAnswer(bindHost, 0, 0, LISTEN_WITHOUT_REQUEST_AFTER);
              inProcess.put(
                  instanceId,
                  new InProcess(
                      sidecar,
                      m.identity.id().uri(),
                      (request, cancellation) ->
                          sidecar.serveInProcess(request, localCaller, cancellation)));
              return Future.succeededFuture(opened(key, m, sidecar, instanceId, listening));
            });
  }

  private InstanceFront opened(
      Key key, ServiceMesh m, Sidecar sidecar, String instanceId, Future<Void> listening) {
    m.sidecars.add(sidecar);
    // A policy that changed while the sidecar started.
    sidecar.updatePolicy(m.policy);
    Front front = new Front(key, m, sidecar, instanceId, listening);
    listening.onSuccess(
        v -> {
          byPort.put(sidecar.port(), new Listening(sidecar, m.identity.id().uri()));
          // A front stopped meanwhile may have looked for the entry before it was there.
          if (front.stopped) {
            front.unindex();
          }
        });
    return front;
  }

  /** The sidecar this node runs at {@code host:port} presenting {@code identity}, or null. */
  private Sidecar listeningAt(String host, int port, String identity) {
    if (!bindHost.equals(host)) {
      return null;
    }
    Listening l = byPort.get(port);
    return l != null && l.identity().equals(identity) && l.sidecar().takesInProcessRequests()
        ? l.sidecar()
        : null;
  }

  /**
   * The in-process entries of this node's sidecars (Wasm and container instances), for the
   * activator of this JVM, which they see as {@code caller} (its identity, checked against each
   * service's policy as over TLS). An endpoint is entered in process only when it names one of them
   * (by instance), under the identity it names; from the instance's start on, before its sidecar's
   * listener is bound.
   */
  public LocalEndpoints localEndpoints(SpiffeId caller) {
    this.localCaller = java.util.Objects.requireNonNull(caller, "caller");
    return endpoint -> {
      if (endpoint.identity() == null
          || endpoint.instance() == null
          || !bindHost.equals(endpoint.host())) {
        return null;
      }
      InProcess p = inProcess.get(endpoint.instance());
      return p != null
              && p.identity().equals(endpoint.identity())
              && p.sidecar().takesInProcessRequests()
          ? p.entry()
          : null;
    };
  }

  /**
   * The same sidecars for the mesh's outbound side ({@code MeshCaller}: Wasm functions' calls and
   * eventing's deliveries), entered in process under the caller's own identity. As for the
   * activator, only a callee on the node's address whose sidecar serves in process and names the
   * callee's identity.
   */
  public LocalCallees localCallees() {
    return callee -> {
      Sidecar s = listeningAt(callee.host(), callee.port(), callee.identity());
      return s != null && s.servesWorkloadInProcess() ? s : null;
    };
  }

  /**
   * Every sidecar of this node, Wasm and container alike, for the gateway of this JVM, which they
   * see as {@code caller} (its identity, checked against each service's policy as over mTLS): an
   * endpoint is entered in process when it is on the node's address, at the port of one of them,
   * and names exactly its identity, from the moment its listener is bound (the only endpoints the
   * gateway is given) until it stops. A container's sidecar then forwards to the container as for a
   * request over its listener.
   */
  public LocalInstances localInstances(SpiffeId caller) {
    java.util.Objects.requireNonNull(caller, "caller");
    return endpoint -> {
      Sidecar s = listeningAt(endpoint.host(), endpoint.port(), endpoint.identity());
      return s == null
          ? null
          : (request, cancellation) -> s.serveInProcess(request, caller, cancellation);
    };
  }

  /** Follows services: their authorization setting, and their end. */
  public void onResourceEvent(ResourceEvent ev) {
    if (!Service.KIND.equals(ev.kind())) {
      return;
    }
    Service s;
    try {
      s = (Service) ev.resource();
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "cannot read {0} for the mesh: {1}", ev.key(), e.getMessage());
      return;
    }
    Key key = new Key(s.metadata().namespaceOrDefault(), s.metadata().name());
    if (ev.type() == ResourceEvent.Type.DELETE) {
      deleted(key);
      return;
    }
    ServiceMesh m = service(key);
    Authorization setting = s.spec() == null ? null : s.spec().authorization();
    AuthorizationPolicy next = policyFor(key, setting);
    m.setting = setting;
    if (!next.rules().equals(m.policy.rules())) {
      m.policy = next;
      m.sidecars.forEach(sc -> sc.updatePolicy(next));
      LOG.log(
          Level.INFO,
          "service {0}/{1}: mesh policy now {2} ({3} running sidecars)",
          key.namespace(),
          key.service(),
          next,
          m.sidecars.size());
    }
  }

  /**
   * The workload identity of {@code namespace/service} on this node, once it has a certificate: the
   * identity its instances' outbound calls are made with, the same their sidecars present.
   */
  Future<IdentityProvider> callerIdentity(String namespace, String service) {
    ServiceMesh m = service(new Key(namespace, service));
    return m.ready().map(v -> m.identity);
  }

  /** Certificates obtained so far per service identity on this node, the first ones included. */
  synchronized Map<String, Long> renewals() {
    Map<String, Long> out = new HashMap<>();
    services.values().forEach(m -> out.put(m.identity.id().uri(), m.identity.renewals()));
    return out;
  }

  /** The one scheduler of this node's service identities (renewal order, bundle refresh). */
  IdentityScheduler identityScheduler() {
    return scheduler;
  }

  /** Stops every identity (after the agent stopped the sidecars). */
  public synchronized void close() {
    services.values().forEach(m -> m.identity.stop());
    services.clear();
    scheduler.close();
  }

  private synchronized ServiceMesh service(Key key) {
    ServiceMesh m = services.get(key);
    if (m == null || m.deleted) {
      m = new ServiceMesh(key);
      services.put(key, m);
    }
    return m;
  }

  private synchronized void deleted(Key key) {
    ServiceMesh m = services.get(key);
    if (m != null) {
      m.deleted = true;
      retire(key, m);
    }
  }

  /** Forgets a deleted service's identity once its last sidecar is gone. */
  private synchronized void retire(Key key, ServiceMesh m) {
    if (m.deleted && m.sidecars.isEmpty()) {
      m.identity.stop();
      services.remove(key, m);
    }
  }

  /**
   * The effective policy: the gateway, the activator and eventing always; then the service's {@code
   * allow} entries, or every workload of its namespace when there are none.
   */
  AuthorizationPolicy policyFor(Key key, Authorization setting) {
    String td = trustDomain;
    if (setting == null || setting.allow().isEmpty()) {
      return AuthorizationPolicy.defaultFor(td, key.namespace());
    }
    List<String> rules = new ArrayList<>();
    for (String component : List.of("gateway", "activator", "eventing")) {
      rules.add(SpiffeId.component(td, component).uri());
    }
    rules.addAll(setting.allow());
    try {
      return AuthorizationPolicy.of(rules);
    } catch (IllegalArgumentException e) {
      LOG.log(
          Level.WARNING,
          "service {0}/{1}: spec.authorization.allow is not valid ({2}); keeping the default"
              + " policy",
          key.namespace(),
          key.service(),
          e.getMessage());
      return AuthorizationPolicy.defaultFor(td, key.namespace());
    }
  }

  private static TlsMode mode(Authorization setting) {
    return setting != null && Authorization.PERMISSIVE.equals(setting.modeOrDefault())
        ? TlsMode.PERMISSIVE
        : TlsMode.STRICT;
  }

  private static RequestListener counting(RequestTracker tracker) {
    return new RequestListener() {
      @Override
      public void entered(boolean proxied) {
        tracker.enter(proxied);
      }

      @Override
      public void left(boolean proxied) {
        tracker.leave(proxied);
      }
    };
  }

  /** One instance's sidecar as the agent sees it. */
  private final class Front implements InstanceFront {
    private final Key key;
    private final ServiceMesh mesh;
    private final Sidecar sidecar;
    private final String instanceId;
    private final Future<Void> listening;
    private volatile boolean stopped;

    Front(Key key, ServiceMesh mesh, Sidecar sidecar, String instanceId, Future<Void> listening) {
      this.key = key;
      this.mesh = mesh;
      this.sidecar = sidecar;
      this.instanceId = instanceId;
      this.listening = listening;
    }

    void unindex() {
      byPort.computeIfPresent(sidecar.port(), (port, l) -> l.sidecar() == sidecar ? null : l);
    }

    @Override
    public Future<Void> listening() {
      return listening;
    }

    @Override
    public String host() {
      return bindHost;
    }

    @Override
    public int port() {
      return sidecar.port();
    }

    @Override
    public String identity() {
      return mesh.identity.id().uri();
    }

    @Override
    public Future<Void> stop(Duration drain) {
      stopped = true;
      inProcess.computeIfPresent(instanceId, (id, p) -> p.sidecar() == sidecar ? null : p);
      if (listening.succeeded()) {
        unindex();
      }
      return sidecar
          .stop(drain)
          .andThen(
              ar -> {
                mesh.sidecars.remove(sidecar);
                retire(key, mesh);
              });
    }
  }
}
