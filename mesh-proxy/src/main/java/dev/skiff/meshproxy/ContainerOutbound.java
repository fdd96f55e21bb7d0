package dev.skiff.meshproxy;

import dev.skiff.meshproxy.internal.DnsResponder;
import dev.skiff.meshproxy.internal.OutboundListener;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The outbound side of one container instance: a name service and an HTTP/1.1 listener on the
 * node's end of the instance's own link, so that any HTTP client in the container calls {@code
 * http://{service}.{namespace}/} with no configuration (its {@code /etc/resolv.conf} names this
 * address). The name service answers the mesh's names with this address and NXDOMAIN for the rest;
 * the listener hands each request to {@link MeshCaller} as the instance's service (its identity,
 * its timeout): the same routing, balancing, mTLS, retries and ejection as Wasm's calls. The caller
 * is known from the address listened on, never from what the container sends. Hosts outside the
 * mesh are refused (403): {@code allowedHosts} applies to Wasm functions only.
 */
public final class ContainerOutbound {
  /**
   * The name service's port: the container sends to 53, which the node's fence redirects here (53
   * itself would clash with a resolver on the node listening on all addresses).
   */
  public static final int DNS_PORT = 15053;

  /** The listener's port: the container's plain {@code http://} calls to port 80 are sent here. */
  public static final int HTTP_PORT = 15001;

  private final DnsResponder dns;
  private final OutboundListener http;
  private final Builder settings;

  private ContainerOutbound(Builder b) {
    this.settings = b;
    MeshCaller mesh = Objects.requireNonNull(b.mesh, "mesh");
    Supplier<Future<IdentityProvider>> identity = Objects.requireNonNull(b.identity, "identity");
    Objects.requireNonNull(b.address, "address");
    Objects.requireNonNull(b.client, "client");
    this.dns =
        new DnsResponder(
            b.vertx,
            b.address,
            b.client,
            name -> mesh.route(URI.create("http://" + name + "/")) != null,
            b.dnsPerSecond,
            b.nanoTime);
    this.http =
        new OutboundListener(
            b.vertx,
            b.client,
            call -> identity.get().compose(id -> mesh.call(id, call)),
            url ->
                mesh.isMeshName(url)
                    ? null
                    : url.getHost()
                        + " is not a service of the mesh (http://{service}.{namespace}/); a"
                        + " container calls services of the mesh only",
            b.timeout,
            new OutboundListener.Limits(
                b.maxConnections,
                b.maxInFlight,
                b.maxBodyBytes,
                b.maxBodyBytes,
                Duration.ofSeconds(10),
                Duration.ofSeconds(60)));
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the name service and the listener on the address; fails (having closed what it bound)
   * when either cannot be bound.
   */
  public Future<ContainerOutbound> start() {
    Future<Void> names =
        dns.listen(settings.address, settings.dnsPort)
            .recover(err -> Future.failedFuture(bindFailure("UDP", settings.dnsPort, err)));
    Future<Void> calls =
        http.listen(settings.address, settings.httpPort)
            .recover(err -> Future.failedFuture(bindFailure("TCP", settings.httpPort, err)));
    return Future.join(names, calls)
        .transform(
            ar ->
                ar.succeeded()
                    ? Future.succeededFuture(this)
                    : close().transform(x -> Future.failedFuture(ar.cause())));
  }

  private MeshException bindFailure(String protocol, int port, Throwable err) {
    return new MeshException(
        "cannot listen on "
            + protocol
            + " "
            + settings.address
            + ":"
            + port
            + " for the instance's calls by name: "
            + err.getMessage()
            + "; is another process on the node listening on "
            + protocol
            + " port "
            + port
            + " on all addresses? Stop it, or bind it to the addresses it needs",
        err);
  }

  public int dnsPort() {
    return dns.port();
  }

  public int httpPort() {
    return http.port();
  }

  /** Name queries dropped (over the rate, or not from the instance). */
  public long droppedQueries() {
    return dns.dropped();
  }

  /** Closes both sockets; calls in flight are cut. */
  public Future<Void> close() {
    return Future.join(dns.close(), http.close()).mapEmpty();
  }

  /** Builds a {@link ContainerOutbound}. */
  public static final class Builder {
    private Vertx vertx;
    private MeshCaller mesh;
    private Supplier<Future<IdentityProvider>> identity;
    private String address;
    private String client;
    private Duration timeout = Duration.ofSeconds(300);
    private int dnsPort = DNS_PORT;
    private int httpPort = HTTP_PORT;
    private int dnsPerSecond = 100;
    private int maxConnections = 64;
    private int maxInFlight = 64;
    private long maxBodyBytes = 4L << 20;
    private LongSupplier nanoTime = System::nanoTime;

    private Builder() {}

    public Builder withVertx(Vertx vertx) {
      this.vertx = vertx;
      return this;
    }

    /** The node's outbound side, shared with Wasm's calls. */
    public Builder withMesh(MeshCaller mesh) {
      this.mesh = mesh;
      return this;
    }

    /** The calling service's identity (started when the future completes). */
    public Builder withIdentity(Supplier<Future<IdentityProvider>> identity) {
      this.identity = identity;
      return this;
    }

    /**
     * @param address the node's end of the instance's link: listened on, and the answer to names
     * @param client the instance's own address, the only one served
     */
    public Builder withLink(String address, String client) {
      this.address = address;
      this.client = client;
      return this;
    }

    /** How long one call may take (the calling service's request timeout). */
    public Builder withTimeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    /** Other ports than {@link #DNS_PORT} and {@link #HTTP_PORT} (0 for any: tests). */
    public Builder withPorts(int dnsPort, int httpPort) {
      this.dnsPort = dnsPort;
      this.httpPort = httpPort;
      return this;
    }

    /** Name queries answered per second (a bucket as deep); more are dropped. */
    public Builder withDnsQueriesPerSecond(int perSecond) {
      this.dnsPerSecond = perSecond;
      return this;
    }

    /** Connections open at once and calls in flight at once. */
    public Builder withMaxConnections(int connections, int inFlight) {
      this.maxConnections = connections;
      this.maxInFlight = inFlight;
      return this;
    }

    /** The largest request and response body of a call. */
    public Builder withMaxBodyBytes(long bytes) {
      this.maxBodyBytes = bytes;
      return this;
    }

    /** The clock of the name service's rate. */
    public Builder withNanoTime(LongSupplier nanoTime) {
      this.nanoTime = nanoTime;
      return this;
    }

    public ContainerOutbound build() {
      return new ContainerOutbound(this);
    }
  }
}
