package dev.skiff.nodeagent;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.node.v1.ComponentCertificateRequest;
import dev.skiff.api.node.v1.NodeServiceGrpcClient;
import dev.skiff.nodeagent.internal.Backoff;
import dev.skiff.nodeagent.internal.Calls;
import dev.skiff.nodeagent.internal.NodeClients;
import dev.skiff.nodeagent.internal.NodeKeys;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.common.ServiceMethod;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A cluster component's identity on the control plane's node port, shared by {@link EdgeLink} and
 * {@link EventingLink}: trades a bootstrap token for the component's certificate (key made here,
 * CSR sent), keeps an mTLS client with it, and renews it at 70 % of its lifetime, either by having
 * it signed over mTLS ({@link Renewal#SIGN}) or by bootstrapping again with the token ({@link
 * Renewal#BOOTSTRAP}). A control plane that does not answer is asked again with backoff.
 */
final class ComponentLink {
  /** How the certificate is renewed. */
  enum Renewal {
    /** SignComponent over mTLS with the certificate held; retried before expiry on failure. */
    SIGN,
    /** BootstrapComponent with the token again (for components SignComponent does not serve). */
    BOOTSTRAP
  }

  /** What the link is for: the names its messages and requests carry. */
  record Role(
      String kind, String component, String name, Renewal renewal, String lostOnLateRefusal) {}

  private final System.Logger log;
  private final Vertx vertx;
  private final SocketAddress server;
  private final String caBundle;
  private final String token;
  private final String trustDomain;
  private final Duration callTimeout;
  private final CertificateRenewal renewal;
  private final Backoff backoff;
  private final Role role;
  private final SpiffeId id;

  private volatile NodeCredentials credentials;
  private volatile GrpcClient client;
  private volatile boolean stopped;

  /**
   * @param log the owner's logger, so its messages keep the owner's name
   */
  ComponentLink(Settings<?> s, Role role, System.Logger log) {
    this.log = log;
    this.vertx = s.vertx;
    this.server = s.server;
    this.caBundle = s.caBundle;
    this.token = s.token;
    this.trustDomain = s.trustDomain;
    this.callTimeout = s.callTimeout;
    this.renewal = new CertificateRenewal(s.vertx, s.clock, log);
    this.backoff =
        new Backoff(s.backoffFirst, s.backoffMax, ThreadLocalRandom.current()::nextDouble);
    this.role = role;
    this.id = SpiffeId.component(trustDomain, role.component());
  }

  /**
   * Completes once the link holds a certificate; fails with {@link RefusedException} when the
   * control plane refuses the token.
   */
  Future<Void> start() {
    Promise<Void> started = Promise.promise();
    bootstrap(started);
    return started.future();
  }

  /** Stops renewals and closes the connection. */
  Future<Void> stop() {
    stopped = true;
    renewal.cancel();
    GrpcClient c = client;
    return c == null ? Future.succeededFuture() : c.close();
  }

  SpiffeId id() {
    return id;
  }

  Vertx vertx() {
    return vertx;
  }

  Backoff backoff() {
    return backoff;
  }

  boolean stopped() {
    return stopped;
  }

  /** Whether the link holds a certificate (and so an mTLS client). */
  boolean ready() {
    return client != null;
  }

  /** The certificate and key held now, or null before the bootstrap. */
  NodeCredentials credentials() {
    return credentials;
  }

  /** The trust bundle the certificate came with, or the CA given before the bootstrap. */
  String trustBundle() {
    NodeCredentials c = credentials;
    return c == null ? caBundle : c.trustBundlePem();
  }

  /** One call over mTLS to the control plane of the trust domain; fails before the bootstrap. */
  <Req, Resp> Future<Resp> call(ServiceMethod<Resp, Req> method, Req request) {
    GrpcClient c = client;
    if (c == null) {
      return Future.failedFuture(
          new NodeAgentException("the " + role.kind() + " has not bootstrapped yet"));
    }
    return Calls.unary(c, server, trustDomain, method, request, callTimeout.toMillis());
  }

  /** A certificate request for {@code component} of this link's process (ttl null: default). */
  ComponentCertificateRequest.Builder request(String component, String csrPem, Duration ttl) {
    return ComponentCertificateRequest.newBuilder()
        .setComponent(component)
        .setCsrPem(csrPem)
        .setTtlSeconds(ttl == null ? 0 : ttl.toSeconds())
        .setEdgeName(role.name());
  }

  private void bootstrap(Promise<Void> started) {
    if (stopped) {
      return;
    }
    GrpcClient plain = NodeClients.create(vertx, caBundle, null, null, callTimeout);
    vertx
        .executeBlocking(() -> NodeKeys.create(id), false)
        .compose(
            keys ->
                Calls.unary(
                        plain,
                        server,
                        null,
                        NodeServiceGrpcClient.BootstrapComponent,
                        request(role.component(), keys.csrPem(), null).setToken(token).build(),
                        callTimeout.toMillis())
                    .map(resp -> NodeCredentials.of(id, keys.privateKeyPem(), resp)))
        .onComplete(
            ar -> {
              plain.close();
              if (ar.succeeded()) {
                install(ar.result());
                started.tryComplete();
              } else if (Calls.refusal(ar.cause()) != null) {
                RefusedException refused =
                    new RefusedException(
                        "the control plane refused to bootstrap "
                            + role.kind()
                            + " "
                            + role.name()
                            + ": "
                            + Calls.refusal(ar.cause()));
                if (!started.tryFail(refused)) {
                  log.log(
                      System.Logger.Level.WARNING,
                      refused.getMessage() + "; " + role.lostOnLateRefusal());
                }
              } else {
                Duration d = backoff.next();
                log.log(
                    System.Logger.Level.WARNING,
                    "bootstrap failed; trying again in "
                        + d.toMillis()
                        + " ms: "
                        + ar.cause().getMessage());
                vertx.setTimer(d.toMillis(), t -> bootstrap(started));
              }
            });
  }

  private void install(NodeCredentials c) {
    credentials = c;
    GrpcClient old = client;
    client =
        NodeClients.create(vertx, c.trustBundlePem(), c.chainPem(), c.privateKeyPem(), callTimeout);
    if (old != null) {
      old.close();
    }
    renewal.schedule(c.renewAt(), this::renewNow);
  }

  private void renewNow() {
    if (role.renewal() == Renewal.SIGN) {
      renew();
    } else {
      bootstrap(Promise.promise());
    }
  }

  private void renew() {
    if (stopped) {
      return;
    }
    NodeCredentials current = credentials;
    renewal
        .renew(
            current,
            id,
            keys ->
                call(
                        NodeServiceGrpcClient.SignComponent,
                        request(role.component(), keys.csrPem(), null).build())
                    .map(r -> NodeCredentials.of(id, keys.privateKeyPem(), r)),
            "the " + role.kind() + "'s link certificate",
            this::renew)
        .onSuccess(this::install);
  }

  /**
   * The settings every link shares; Vert.x, the control plane, its CA and the token are required.
   *
   * @param <B> the owner's builder, which each setter answers
   */
  abstract static class Settings<B extends Settings<B>> {
    private Vertx vertx;
    private SocketAddress server;
    private String caBundle;
    private String token;
    private String trustDomain = "skiff.local";
    private Duration callTimeout = Duration.ofSeconds(5);
    private Duration backoffFirst = Duration.ofMillis(200);
    private Duration backoffMax = Duration.ofSeconds(5);
    private Clock clock = Clock.systemUTC();

    Settings() {}

    /** This builder, as its own type. */
    abstract B self();

    public B withVertx(Vertx v) {
      this.vertx = v;
      return self();
    }

    /** The control plane's node port. */
    public B withControlPlane(String host, int port) {
      this.server = SocketAddress.inetSocketAddress(port, host);
      return self();
    }

    /** The PEM roots the node port's certificate must chain to (the mesh CA's). */
    public B withControlPlaneCa(String pem) {
      this.caBundle = Objects.requireNonNull(pem);
      return self();
    }

    public B withBootstrapToken(String t) {
      this.token = Objects.requireNonNull(t).strip();
      return self();
    }

    /** The mesh's trust domain (skiffd's --trust-domain); default skiff.local. */
    public B withTrustDomain(String td) {
      SpiffeId.checkTrustDomain(td);
      this.trustDomain = td;
      return self();
    }

    public B withCallTimeout(Duration d) {
      this.callTimeout = Objects.requireNonNull(d);
      return self();
    }

    /** Reconnection delays: doubling from {@code first} up to {@code max}. */
    public B withBackoff(Duration first, Duration max) {
      this.backoffFirst = first;
      this.backoffMax = max;
      return self();
    }

    public B withClock(Clock c) {
      this.clock = Objects.requireNonNull(c);
      return self();
    }

    /** Fails naming the first required setting missing. */
    void checkRequired() {
      Objects.requireNonNull(vertx, "withVertx(..) is required");
      Objects.requireNonNull(server, "withControlPlane(..) is required");
      Objects.requireNonNull(caBundle, "withControlPlaneCa(..) is required");
      Objects.requireNonNull(token, "withBootstrapToken(..) is required");
    }
  }
}
