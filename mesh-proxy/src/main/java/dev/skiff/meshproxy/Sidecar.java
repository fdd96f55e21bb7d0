package dev.skiff.meshproxy;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.meshproxy.internal.ConcurrencyLimit;
import dev.skiff.meshproxy.internal.Listener;
import dev.skiff.meshproxy.internal.RequestCounter;
import dev.skiff.meshproxy.internal.SidecarExchange;
import dev.skiff.meshproxy.internal.SidecarMetrics;
import dev.skiff.meshproxy.internal.SidecarPipeline;
import dev.skiff.meshproxy.internal.WholeExchange;
import dev.skiff.meshproxy.internal.WholePipeline;
import dev.skiff.proxy.ClientGoneException;
import dev.skiff.proxy.InProcessWorkload;
import dev.skiff.proxy.ProxyBuilder;
import dev.skiff.proxy.ProxyPipeline;
import dev.skiff.proxy.ProxySettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The inbound sidecar of one instance: its own listener and its own identity. Callers must present
 * a mesh certificate (TLS 1.3, mTLS; STRICT unless PERMISSIVE is asked for), then pass the
 * service's {@link AuthorizationPolicy} (replaceable while it runs: {@link #updatePolicy}), then
 * the concurrency limit, and are proxied to the workload at {@code host:port} or handed to a
 * workload served in this process (a {@code Handler<HttpServerRequest>}, for Wasm: no listener of
 * its own). The sidecar keeps its certificate fresh through its {@link IdentityProvider} (its own,
 * or one shared by the instances of a service), counts requests for the autoscaler ({@link
 * #stats()}, and a {@link RequestListener}) and drains on {@link #stop()}.
 *
 * <p>Concurrency: with containerConcurrency {@code n > 0}, at most {@code n} requests reach the
 * workload at once and up to the queue depth more wait in arrival order (default {@code 10 * n},
 * Knative queue-proxy's); a request beyond that gets 503 with {@code Retry-After} at once, and a
 * waiting one is bounded by the request timeout (then 504).
 *
 * <p>A sidecar can also be entered in process ({@link #serveInProcess}) by a caller in the same JVM
 * that knows its own identity (skiffd's gateway for any instance, its activator and the mesh's
 * outbound side for a workload served in process): the same pipeline (policy, limit, timeout,
 * stats, metrics, drain) without a socket, so without a TLS handshake. A workload at an address is
 * then reached from the sidecar as for a request over the listener. mTLS guards sockets; a hop that
 * never leaves the process has none to guard.
 */
public final class Sidecar {
  private final IdentityProvider identity;
  private final boolean sharedIdentity;
  private final AtomicReference<AuthorizationPolicy> policy;
  private volatile Runnable stopRenewals = () -> {};
  private final RevisionKey revision;
  private final TlsMode mode;
  private final Duration drainGrace;
  private final RequestCounter counter = new RequestCounter();
  private final SidecarMetrics metrics;
  private final MeshTlsEngine tlsEngine;
  private final MeterRegistry registry;
  private final ConcurrencyLimit limit;
  private final HttpClientAgent client;
  private final Listener listener;
  private final ProxyPipeline<SidecarExchange> pipeline;
  private final boolean servesInProcess;
  private final Vertx vertx;
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile Future<Void> listening = Future.succeededFuture();
  private volatile boolean stopping;

  /** Whether the listener was asked to bind; guarded by the listener's lock, as stopping is set. */
  private boolean bindAsked;

  private final AtomicInteger inProcessInFlight = new AtomicInteger();

  /** The in-process exchanges not yet over, answered 503 if the drain grace ends first. */
  private final Set<SidecarExchange> inProcess = ConcurrentHashMap.newKeySet();

  /** The same for exchanges handed over whole ({@link #serveWhole}). */
  private final Set<WholeExchange> inProcessWhole = ConcurrentHashMap.newKeySet();

  /** The stages for requests handed over whole; null unless the workload takes them. */
  private final WholePipeline whole;

  private final Promise<Void> inProcessIdle = Promise.promise();

  /** Completed when the first in-process exchange ends (or none had begun when asked to listen). */
  private final Promise<Void> firstAnswered = Promise.promise();

  /** Whether an in-process exchange has begun; written once. */
  private volatile boolean inProcessSeen;

  private Sidecar(Builder b, ProxySettings s) {
    this.identity = b.identity;
    this.sharedIdentity = b.sharedIdentity;
    this.policy = new AtomicReference<>(b.policy);
    this.revision = b.revision;
    this.mode = b.mode;
    this.drainGrace = b.drainGrace;
    this.metrics = new SidecarMetrics(b.registry, b.revision, b.identity);
    this.limit =
        new ConcurrencyLimit(
            b.containerConcurrency,
            b.queueDepth >= 0 ? b.queueDepth : 10 * Math.max(0, b.containerConcurrency));
    this.client =
        b.inProcess != null
            ? null
            : s.vertx()
                .httpClientBuilder()
                .with(
                    new HttpClientOptions()
                        // h2c: HTTP/2 with prior knowledge, no Upgrade round trip.
                        .setProtocolVersion(
                            b.workloadH2c ? HttpVersion.HTTP_2 : HttpVersion.HTTP_1_1)
                        .setHttp2ClearTextUpgrade(false)
                        .setKeepAlive(true)
                        .setPipelining(false)
                        .setDecompressionSupported(false)
                        .setTcpNoDelay(true))
                .with(
                    new PoolOptions()
                        .setHttp1MaxSize(s.maxConnectionsPerEndpoint())
                        .setHttp2MaxSize(Math.max(1, s.maxConnectionsPerEndpoint() / 16)))
                .build();
    SidecarPipeline.Parts parts =
        new SidecarPipeline.Parts(
            s,
            b.identity.id(),
            policy::get,
            limit,
            counter,
            b.listener,
            metrics,
            b.workloadHost,
            b.workloadPort,
            b.workloadH2c,
            b.inProcess);
    this.pipeline = SidecarPipeline.create(parts, client);
    this.whole =
        b.inProcess instanceof InProcessWorkload typed ? new WholePipeline(parts, typed) : null;
    this.servesInProcess = b.inProcess != null;
    this.vertx = s.vertx();
    MeshTlsEngine engine = Objects.requireNonNull(b.tlsEngine, "tlsEngine").effective();
    this.tlsEngine = engine;
    this.registry = b.registry;
    this.listener =
        new Listener(s, b.mode, engine, b.identity.id().trustDomain(), pipeline, metrics);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Obtains the identity's first certificate (unless it has one), then listens on {@code host:port}
   * (0 picks a free port); in PERMISSIVE mode also plaintext on {@code plaintextPort}. The future
   * completes once the listener is bound. A sidecar before a workload served in process takes
   * {@link #serveInProcess} requests from this call on: they need no listener, so a cold start need
   * not wait for it.
   */
  public Future<Void> start(String host, int port, int plaintextPort) {
    if (!started.compareAndSet(false, true)) {
      return Future.failedFuture(new IllegalStateException("the sidecar was already started"));
    }
    stopRenewals = identity.onRenewal(listener::update);
    return bind(host, port, plaintextPort);
  }

  /**
   * Starts a sidecar without its listener: it takes {@link #serveInProcess} requests from this call
   * on (to a workload served in process, or over its plain client to a workload at an address), and
   * {@link #listen} binds the listener afterwards, so the listener's set-up (its TLS context, its
   * socket) does not delay a cold start's first request. The identity must hold its certificate
   * already.
   *
   * @throws IllegalStateException when the identity has no certificate yet, or the sidecar was
   *     started already
   */
  public void startInProcess() {
    if (identity.current() == null) {
      throw new IllegalStateException(
          "the identity "
              + identity.id().uri()
              + " has no certificate yet; start the identity first, or start the sidecar with"
              + " start(host, port), which waits for it");
    }
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("the sidecar was already started");
    }
    stopRenewals = identity.onRenewal(listener::update);
  }

  /**
   * Binds the listener of a sidecar started with {@link #startInProcess} on {@code host:port} (0
   * picks a free port; in PERMISSIVE mode also plaintext on {@code plaintextPort}); completes once
   * bound. Fails when the sidecar was not started that way, already listens, or is stopping.
   */
  public Future<Void> listen(String host, int port, int plaintextPort) {
    if (!started.get()) {
      return Future.failedFuture(
          new IllegalStateException(
              "listen follows startInProcess(); start(host, port) binds the listener itself"));
    }
    return bind(host, port, plaintextPort);
  }

  /**
   * {@link #listen} once the sidecar's first in-process request has been answered, or once {@code
   * noRequestWithin} has passed without one under way, whichever comes first: the listener's set-up
   * (its TLS context, its socket) and the registration of the sidecar's meters (what was measured
   * until then is recorded into them) then run neither ahead of a cold start's first request on a
   * shared event loop nor beside it on another core. Binds on the caller's context; completes once
   * bound, or fails as {@link #listen} does (a sidecar stopped meanwhile does not bind).
   */
  public Future<Void> listenAfterFirstAnswer(
      String host, int port, int plaintextPort, Duration noRequestWithin) {
    if (!started.get()) {
      return listen(host, port, plaintextPort);
    }
    Context context = vertx.getOrCreateContext();
    Promise<Void> bound = Promise.promise();
    firstAnswered
        .future()
        .onComplete(
            v -> context.runOnContext(w -> listen(host, port, plaintextPort).onComplete(bound)));
    vertx.setTimer(
        Math.max(1, noRequestWithin.toMillis()),
        id -> {
          // A request under way completes it when it ends.
          if (!inProcessSeen) {
            firstAnswered.tryComplete();
          }
        });
    return bound.future();
  }

  /** Obtains the first certificate if needed, then binds the listener; once per sidecar. */
  private Future<Void> bind(String host, int port, int plaintextPort) {
    synchronized (listener) {
      if (stopping) {
        return Future.failedFuture(
            new IllegalStateException("the sidecar is stopping; it does not listen any more"));
      }
      if (bindAsked) {
        return Future.failedFuture(new IllegalStateException("the sidecar listens already"));
      }
      bindAsked = true;
      // The meters, with what was measured before: off a cold start's first request, which an
      // in-process start answers before its listener is asked for.
      metrics.register();
      // One gauge per process and engine, shared by every sidecar (remembered per registry).
      tlsEngine.register(registry);
      Future<Credentials> first =
          identity.current() != null
              ? Future.succeededFuture(identity.current())
              : identity.start();
      Future<Void> bound = first.compose(c -> listener.listen(c, host, port, plaintextPort));
      listening = bound;
      return bound;
    }
  }

  /** {@link #start(String, int, int)} with a free plaintext port. */
  public Future<Void> start(String host, int port) {
    return start(host, port, 0);
  }

  /**
   * Whether {@link #serveInProcess} may be called: the sidecar was started (its listener may still
   * be binding) and is not stopping.
   */
  public boolean takesInProcessRequests() {
    return started.get() && !stopping;
  }

  /** Whether the workload is served in this process (a handler) rather than at an address. */
  public boolean servesWorkloadInProcess() {
    return servesInProcess;
  }

  /**
   * Serves {@code request} (its body paused) as if it had come over a connection authenticated as
   * {@code caller}: the same policy, concurrency limit, timeout, stats and metrics, answering on
   * the request's own response. For callers in this JVM only, that hold the identity they name.
   * Completes when the exchange is over; fails with the cause when {@code cancellation} fails first
   * (the caller gave up: the sidecar then answers nothing and leaves the response to the caller).
   * Call on the request's event loop.
   */
  public Future<Void> serveInProcess(
      HttpServerRequest request, SpiffeId caller, Future<Void> cancellation) {
    inProcessInFlight.incrementAndGet();
    if (!inProcessSeen) {
      inProcessSeen = true;
    }
    SidecarExchange x =
        new SidecarExchange(request, vertx.getOrCreateContext(), Objects.requireNonNull(caller));
    inProcess.add(x);
    Promise<Void> done = Promise.promise();
    cancellation.onFailure(
        err -> {
          // First, so the pipeline finishing on the cancellation cannot complete it as served.
          done.tryFail(err);
          x.cancel(new ClientGoneException());
        });
    pipeline
        .serve(x)
        .onComplete(
            ar -> {
              x.finish();
              inProcess.remove(x);
              done.tryComplete();
              if (!firstAnswered.future().isComplete()) {
                firstAnswered.tryComplete();
              }
              if (inProcessInFlight.decrementAndGet() == 0 && stopping) {
                inProcessIdle.tryComplete();
              }
            });
    return done.future();
  }

  /**
   * Whether {@link #serveWhole} may be called: the sidecar takes in-process requests and its
   * workload is served in this process by a handler that takes requests whole ({@link
   * InProcessWorkload}, a Wasm instance).
   */
  public boolean takesWholeRequests() {
    return whole != null && takesInProcessRequests();
  }

  /**
   * {@link #serveInProcess} for a request handed over as values: the same policy check of {@code
   * caller}, timeout, stats, concurrency limit and metrics, in the same order with the same answers
   * (403, 503 with Retry-After, 504, ...), but no request or response object; the answer is the
   * workload's, or the sidecar's own for a failure. The call's header list becomes the sidecar's
   * (it sets the caller's {@code X-Forwarded-Client-Cert} in it), so it must be mutable. Fails only
   * with the cause when {@code cancellation} fails first (the caller gave up). Call on the event
   * loop the caller runs on; the answer completes there.
   *
   * @throws IllegalStateException when the workload does not take requests whole
   */
  public Future<InProcessWorkload.Answer> serveWhole(
      InProcessWorkload.Call call, SpiffeId caller, Future<Void> cancellation) {
    if (whole == null) {
      throw new IllegalStateException("the workload does not take requests whole");
    }
    inProcessInFlight.incrementAndGet();
    if (!inProcessSeen) {
      inProcessSeen = true;
    }
    WholeExchange x =
        new WholeExchange(vertx.getOrCreateContext(), Objects.requireNonNull(caller), call);
    inProcessWhole.add(x);
    Promise<InProcessWorkload.Answer> done = Promise.promise();
    cancellation.onFailure(
        err -> {
          // First, so the pipeline finishing on the cancellation cannot complete it as served.
          done.tryFail(err);
          x.cancel(new ClientGoneException());
        });
    whole
        .serve(x)
        .onComplete(
            ar -> {
              x.finish();
              inProcessWhole.remove(x);
              if (ar.succeeded()) {
                done.tryComplete(ar.result());
              } else {
                done.tryFail(ar.cause());
              }
              if (!firstAnswered.future().isComplete()) {
                firstAnswered.tryComplete();
              }
              if (inProcessInFlight.decrementAndGet() == 0 && stopping) {
                inProcessIdle.tryComplete();
              }
            });
    return done.future();
  }

  /**
   * Drains: stops accepting connections at once (a listener still binding is closed once bound),
   * lets requests in flight (and those waiting for a slot) finish for up to the drain grace, then
   * closes the rest (those handed over in process and not yet answered get 503 with {@code
   * Retry-After}, never silence), stops renewing the certificate (a shared identity goes on for its
   * other holders), and removes this sidecar's meters.
   */
  public Future<Void> stop() {
    return stop(drainGrace);
  }

  /** {@link #stop()} with another drain grace than the builder's. */
  public Future<Void> stop(Duration grace) {
    synchronized (listener) {
      stopping = true; // a listener not asked for yet is never bound
    }
    firstAnswered.tryComplete(); // a listenAfterFirstAnswer waiting fails now
    if (inProcessInFlight.get() == 0) {
      inProcessIdle.tryComplete();
    } else {
      vertx.setTimer(Math.max(1, grace.toMillis()), id -> abandonInProcess(grace));
    }
    Future<Void> drained = listening.transform(bound -> listener.drain(grace));
    return Future.join(drained, inProcessIdle.future())
        .<Void>mapEmpty()
        .eventually(() -> client == null ? Future.succeededFuture() : client.close())
        .andThen(
            ar -> {
              stopRenewals.run();
              if (!sharedIdentity) {
                identity.stop();
              }
              metrics.close();
            });
  }

  /**
   * The drain grace is over: every in-process exchange still running is abandoned, which answers it
   * 503 with {@code Retry-After} unless its answer has begun (then it is reset), on its own
   * context.
   */
  private void abandonInProcess(Duration grace) {
    for (SidecarExchange x : List.copyOf(inProcess)) {
      x.context().runOnContext(v -> x.cancel(stopped(grace)));
    }
    for (WholeExchange x : List.copyOf(inProcessWhole)) {
      x.context().runOnContext(v -> x.cancel(stopped(grace)));
    }
    inProcessIdle.tryComplete();
  }

  private static InstanceStoppedException stopped(Duration grace) {
    return new InstanceStoppedException(
        "the instance stopped before answering (its drain grace of "
            + grace.toMillis()
            + " ms ran out)");
  }

  /**
   * Replaces the authorization policy: requests authorized from now on are checked against {@code
   * next} (the service's setting changed); connections stay open.
   */
  public void updatePolicy(AuthorizationPolicy next) {
    policy.set(Objects.requireNonNull(next, "policy"));
  }

  /** The authorization policy in force. */
  public AuthorizationPolicy policy() {
    return policy.get();
  }

  /** The TLS port once started; -1 before. */
  public int port() {
    return listener.port();
  }

  /** The plaintext port in PERMISSIVE mode once started; -1 otherwise. */
  public int plaintextPort() {
    return listener.plaintextPort();
  }

  /** The request counts the node agent reports to the autoscaler. */
  public InstanceStats stats() {
    return counter;
  }

  /** Client connections open now. */
  public int connections() {
    return listener.connections();
  }

  public IdentityProvider identity() {
    return identity;
  }

  public RevisionKey revision() {
    return revision;
  }

  public TlsMode mode() {
    return mode;
  }

  /**
   * Settings; {@code withVertx}, {@code withIdentity}, {@code withRevision}, {@code withWorkload}
   * and {@code withMeterRegistry} are required. The policy defaults to {@link
   * AuthorizationPolicy#defaultFor} the revision's namespace in the identity's trust domain. Of the
   * shared proxy settings, {@code withServerInstances} does not apply (a sidecar has one listener;
   * many small sidecars share a node's event loops), and {@code withTrustedProxies} only exempts
   * peers from the per-client connection cap: callers are identified by certificate, never by
   * forwarding headers.
   */
  public static final class Builder extends ProxyBuilder<Builder> {
    private IdentityProvider identity;
    private boolean sharedIdentity;
    private Handler<HttpServerRequest> inProcess;
    private RequestListener listener = RequestListener.NONE;
    private RevisionKey revision;
    private String workloadHost;
    private int workloadPort;
    private boolean workloadH2c;
    private AuthorizationPolicy policy;
    private TlsMode mode = TlsMode.STRICT;
    private int containerConcurrency;
    private int queueDepth = -1;
    private Duration drainGrace = Duration.ofSeconds(30);
    private MeterRegistry registry;
    private MeshTlsEngine tlsEngine = MeshTlsEngine.preferred();

    private Builder() {}

    /**
     * What terminates the listener's TLS; default {@link MeshTlsEngine#preferred()} (OpenSSL where
     * it loads).
     */
    public Builder withTlsEngine(MeshTlsEngine engine) {
      this.tlsEngine = Objects.requireNonNull(engine, "engine");
      return this;
    }

    @Override
    protected Builder self() {
      return this;
    }

    /** The instance's identity; the sidecar starts it if needed, and stops it on stop. */
    public Builder withIdentity(IdentityProvider identity) {
      this.identity = Objects.requireNonNull(identity, "identity");
      return this;
    }

    /**
     * An identity shared with other sidecars (every instance of a service on a node): the sidecar
     * uses it as it is (the holder starts it first, so instances do not each pay an issuance) and
     * never stops it; its holder does once the last instance is gone.
     */
    public Builder withSharedIdentity(IdentityProvider identity) {
      this.identity = Objects.requireNonNull(identity, "identity");
      this.sharedIdentity = true;
      return this;
    }

    /**
     * A workload served in this process instead of at an address: each request the sidecar lets
     * through (policy, limit) is handed to {@code handler} on its event loop, which answers on the
     * request's response. The handler must leave the response's end and close handlers to the
     * sidecar (the request is over when the response ends); it may set the response's exception
     * handler to learn of a client that went away. The request's body is resumed after the handler
     * returns.
     */
    public Builder withWorkload(Handler<HttpServerRequest> handler) {
      this.inProcess = Objects.requireNonNull(handler, "handler");
      this.workloadHost = null;
      return this;
    }

    /** Told when each counted request enters and leaves (see {@link InstanceStats}). */
    public Builder withRequestListener(RequestListener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /** The revision the instance runs; tags the metrics. */
    public Builder withRevision(RevisionKey revision) {
      this.revision = Objects.requireNonNull(revision, "revision");
      return this;
    }

    /**
     * Whether the workload at an address speaks HTTP/2 cleartext (prior knowledge; Knative's port
     * named {@code h2c}, gRPC among others) instead of HTTP/1.1; default false. Trailers and
     * streams in both directions pass through either way.
     */
    public Builder withWorkloadH2c(boolean h2c) {
      this.workloadH2c = h2c;
      return this;
    }

    /** Where the workload listens (plaintext, reachable only from the sidecar). */
    public Builder withWorkload(String host, int port) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("workload port must be 1..65535, got " + port);
      }
      this.workloadHost = Objects.requireNonNull(host, "host");
      this.workloadPort = port;
      this.inProcess = null;
      return this;
    }

    public Builder withPolicy(AuthorizationPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /** STRICT by default; PERMISSIVE only when a service asks for it. */
    public Builder withTlsMode(TlsMode mode) {
      this.mode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /** At most this many requests at the workload at once; 0 (the default) means unlimited. */
    public Builder withContainerConcurrency(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("containerConcurrency must be >= 0, got " + n);
      }
      this.containerConcurrency = n;
      return this;
    }

    /** How many requests may wait for a slot; default 10 x containerConcurrency. */
    public Builder withQueueDepth(int depth) {
      if (depth < 0) {
        throw new IllegalArgumentException("queue depth must be >= 0, got " + depth);
      }
      this.queueDepth = depth;
      return this;
    }

    /** How long requests in flight may take to finish once the sidecar stops; default 30 s. */
    public Builder withDrainGrace(Duration grace) {
      if (grace == null || grace.isNegative()) {
        throw new IllegalArgumentException("drain grace must be >= 0, got " + grace);
      }
      this.drainGrace = grace;
      return this;
    }

    public Builder withMeterRegistry(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    public Sidecar build() {
      if (identity == null
          || revision == null
          || (workloadHost == null && inProcess == null)
          || registry == null) {
        throw new IllegalStateException(
            "withIdentity(..), withRevision(..), withWorkload(..) and withMeterRegistry(..) are"
                + " required");
      }
      if (policy == null) {
        policy = AuthorizationPolicy.defaultFor(identity.id().trustDomain(), revision.namespace());
      }
      return new Sidecar(this, proxySettings());
    }
  }
}
