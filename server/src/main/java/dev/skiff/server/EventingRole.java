package dev.skiff.server;

import dev.skiff.api.validation.Names;
import dev.skiff.controlplane.nodes.ClusterView;
import dev.skiff.controlplane.nodes.TriggerStatusStore;
import dev.skiff.eventing.Dispatcher;
import dev.skiff.nodeagent.EventingLink;
import dev.skiff.store.etcd.EtcdStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * {@code skiffd --roles eventing}: the Kafka dispatcher apart from the control plane, any number
 * side by side (each trigger's consumer group shares the topics' partitions among them, as it does
 * among control planes). Triggers and services come from etcd ({@link ClusterView}'s change feed);
 * each event is POSTed in plain HTTP to the gateway given by {@code --gateway-url} (an edge's or a
 * control plane's) with Host {@code {service}.{namespace}.{domain}}, so it takes the path of any
 * request (the activator holds it while the service is at zero and pokes the autoscaler); trigger
 * status goes straight to etcd ({@link TriggerStatusStore}), each dispatcher writing what it
 * observed of its own partitions.
 *
 * <p>With {@code --control-plane}, {@code --bootstrap-token} and {@code --control-plane-ca} it also
 * joins the control plane's node port as {@code spiffe://{td}/skiff/eventing} ({@link
 * EventingLink}) and reports its lag per trigger there, for the autoscaler's lag floor (KEDA's
 * rule); without them the autoscaler sees only the events' requests.
 *
 * <p>Not here yet: delivery through the mesh with eventing's identity (events go to the gateway's
 * plain HTTP port).
 */
final class EventingRole {
  private static final System.Logger LOG = System.getLogger(EventingRole.class.getName());

  private final SkiffdOptions options;
  private Vertx vertx;
  private EtcdStore store;
  private ClusterView view;
  private Dispatcher dispatcher;
  private EventingLink link;
  private final java.util.concurrent.CountDownLatch stopped =
      new java.util.concurrent.CountDownLatch(1);

  EventingRole(SkiffdOptions options) {
    this.options = options;
  }

  /** Where events go, from the flags. */
  record GatewayAddress(String host, int port) {}

  /** What the flags say: where events go, and the link for the lag (null: no lag reported). */
  record Settings(GatewayAddress gateway, EventingLink.Builder lag) {}

  /**
   * Runs the role as skiffd's main does: exits 2 on bad flags, 1 when etcd does not answer (the
   * reason on stderr); stops on SIGTERM, committing what was delivered.
   */
  static void run(SkiffdOptions options) {
    EventingRole role = new EventingRole(options);
    Settings settings;
    try {
      settings = role.settings();
    } catch (IllegalArgumentException e) {
      System.err.println("skiffd: " + e.getMessage());
      System.exit(2);
      return;
    }
    Settings checked = settings;
    Skiffd.startStoppable(() -> role.start(checked), role::shutdown);
    // Nothing here listens on a port, and Vert.x's and the consumers' threads do not keep a JVM
    // alive: main waits until the process is told to stop (it exited right after starting).
    role.awaitStopped();
  }

  /** Blocks until {@link #shutdown} ran. */
  void awaitStopped() {
    boolean interrupted = false;
    while (stopped.getCount() > 0) {
      try {
        stopped.await();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Checks the flags; throws {@link IllegalArgumentException} naming the flag to fix. */
  Settings settings() {
    if (Skiffd.storeKind(options.store)) {
      throw new IllegalArgumentException(
          "--roles eventing reads triggers from etcd: give --store etcd://HOST:PORT, the control"
              + " plane's");
    }
    GatewayAddress gateway = gatewayAddress(options.gatewayUrl);
    if (options.controlPlane == null || options.controlPlane.isBlank()) {
      return new Settings(gateway, null);
    }
    java.util.List<NodeRole.HostPort> planes = NodeRole.controlPlanes(options, "eventing");
    if (planes.size() > 1) {
      throw new IllegalArgumentException(
          "--roles eventing reports its lag to one control plane: give --control-plane one"
              + " HOST:PORT, got "
              + options.controlPlane);
    }
    String name = options.nodeName != null ? options.nodeName : NodeRole.defaultName();
    if (!Names.isDnsLabel(name)) {
      throw new IllegalArgumentException(
          "--node-name '"
              + name
              + "' (the eventing process's name) is not valid; "
              + Names.DNS_HINT);
    }
    NodeRole.HostPort cp = planes.get(0);
    return new Settings(
        gateway,
        EventingLink.builder()
            .withControlPlane(cp.host(), cp.port())
            .withName(name)
            .withBootstrapToken(NodeRole.read(options.bootstrapToken, "--bootstrap-token").strip())
            .withControlPlaneCa(NodeRole.read(options.controlPlaneCa, "--control-plane-ca"))
            .withTrustDomain(options.trustDomain));
  }

  /** {@code --gateway-url http://HOST[:PORT]}; throws naming what is wrong. */
  static GatewayAddress gatewayAddress(String flag) {
    if (flag == null || flag.isBlank()) {
      throw new IllegalArgumentException(
          "--roles eventing delivers events through a gateway: give --gateway-url"
              + " http://HOST:PORT (an edge's or the control plane's gateway port)");
    }
    URI uri;
    try {
      uri = new URI(flag.strip());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "--gateway-url '" + flag + "' is not a URL (" + e.getMessage() + "); e.g. http://h:8080",
          e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http")) {
      throw new IllegalArgumentException(
          "--gateway-url '"
              + flag
              + "': only http:// is supported (events go to the gateway's plain HTTP port); e.g."
              + " http://10.0.0.1:8080");
    }
    if (uri.getHost() == null
        || (uri.getPath() != null && !uri.getPath().isEmpty() && !uri.getPath().equals("/"))
        || uri.getQuery() != null
        || uri.getUserInfo() != null) {
      throw new IllegalArgumentException(
          "--gateway-url '" + flag + "' must be http://HOST:PORT only, e.g. http://10.0.0.1:8080");
    }
    String host = uri.getHost();
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new GatewayAddress(host, uri.getPort() < 0 ? 80 : uri.getPort());
  }

  /** Starts following triggers in etcd and delivering; fails when etcd does not answer. */
  Future<Void> start(Settings settings) {
    GatewayAddress gateway = settings.gateway();
    vertx = Vertx.builder().with(EventLoops.options(options.eventLoops)).build();
    store = EtcdStore.builder().withUrl(options.store).build();
    TriggerStatusStore statuses = new TriggerStatusStore(store);
    link = settings.lag() == null ? null : settings.lag().withVertx(vertx).build();
    EventingLink lagTo = link;
    dispatcher =
        Dispatcher.builder()
            .withVertx(vertx)
            .withGateway(gateway.host(), gateway::port)
            .withDomain(options.domain)
            .withStatusSink(statuses::write)
            .withLagListener(
                (ns, service, trigger, lag, partitions, threshold) -> {
                  if (lagTo != null) {
                    lagTo.lag(ns, service, trigger, lag, partitions, threshold);
                  }
                })
            .build();
    view = new ClusterView(store);
    return Skiffd.awaitEtcd(store)
        // Eventing's identity first when the lag goes to a control plane (a refused token stops
        // the start: exit 1 with the reason).
        .compose(r -> link == null ? Future.succeededFuture() : link.start().mapEmpty())
        // Services first with the triggers, in the feed's order: a trigger whose service exists
        // starts consuming, one without waits paused (ServiceNotFound).
        .compose(r -> view.follow(dispatcher::onResourceEvent))
        .map(
            w -> {
              dispatcher.start();
              LOG.log(
                  System.Logger.Level.INFO,
                  "skiffd ready: eventing (dispatcher), events to http://"
                      + gateway.host()
                      + ":"
                      + gateway.port()
                      + " with Host {service}.{namespace}."
                      + options.domain
                      + ", store "
                      + store.endpoints()
                      + (link == null
                          ? "; no --control-plane: lag is reported to no autoscaler"
                          : "; lag reported to the control plane's autoscaler"));
              return null;
            });
  }

  /** Stops consuming (committing what finished), then the feed, the store and Vert.x. */
  void shutdown() {
    try {
      if (dispatcher != null) {
        dispatcher.close().toCompletionStage().toCompletableFuture().join();
      }
      if (view != null) {
        view.close();
      }
      if (link != null) {
        link.stop().toCompletionStage().toCompletableFuture().join();
      }
      if (store != null) {
        store.close().toCompletionStage().toCompletableFuture().join();
      }
    } finally {
      try {
        if (vertx != null) {
          vertx.close().toCompletionStage().toCompletableFuture().join();
        }
      } finally {
        stopped.countDown();
      }
    }
  }
}
