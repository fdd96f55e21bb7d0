package dev.skiff.server;

import dev.skiff.node.container.ContainerConfig;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The flags of {@code skiffd}; each also reads an environment variable, named in its description.
 */
@Command(
    name = "skiffd",
    mixinStandardHelpOptions = true,
    version = "skiffd 0.1.0",
    description = "Runs Skiff: control plane, gateway and node runtime in one JVM.")
public final class SkiffdOptions {
  @Option(
      names = "--data-dir",
      defaultValue = "${env:SKIFF_DATA_DIR:-.skiff}",
      description =
          "Where the store, modules and caches live (env SKIFF_DATA_DIR). Default: ${DEFAULT-VALUE}")
  Path dataDir;

  @Option(
      names = "--store",
      defaultValue = "${env:SKIFF_STORE:-embedded}",
      paramLabel = "embedded|etcd://HOST:PORT[,HOST:PORT]",
      description =
          "Where services, revisions, modules, tokens and the mesh CA are kept (env SKIFF_STORE):"
              + " embedded, in {data-dir}/store, or an etcd cluster, which outlives the data"
              + " directory (see docs/cluster.md). Default: ${DEFAULT-VALUE}")
  String store = "embedded";

  @Option(
      names = "--secrets-key",
      defaultValue = "${env:SKIFF_SECRETS_KEY}",
      paramLabel = "FILE",
      description =
          "The key that seals secret values (env SKIFF_SECRETS_KEY), made at first use; never in"
              + " the store. Give every control plane on one etcd the same file. Default:"
              + " {data-dir}/secrets.key")
  Path secretsKey;

  @Option(
      names = "--host",
      defaultValue = "${env:SKIFF_HOST:-127.0.0.1}",
      description =
          "Address the gateway binds to (env SKIFF_HOST). The API has its own --api-host;"
              + " internal listeners (the activator) always bind loopback. Default: ${DEFAULT-VALUE}")
  String host;

  @Option(
      names = "--api-host",
      defaultValue = "${env:SKIFF_API_HOST:-127.0.0.1}",
      description =
          "Address the REST API binds to (env SKIFF_API_HOST). Anything but loopback is served"
              + " over HTTPS only (see --api-tls-cert). Default: ${DEFAULT-VALUE}")
  String apiHost;

  @Option(
      names = "--api-hostname",
      split = ",",
      defaultValue = "${env:SKIFF_API_HOSTNAMES}",
      paramLabel = "NAME",
      description =
          "DNS name clients reach the API by (repeat or comma-separate; env SKIFF_API_HOSTNAMES)."
              + " Requests with another Host than these, localhost or an IP address get 421"
              + " (a DNS-rebinding guard).")
  java.util.List<String> apiHostnames = new java.util.ArrayList<>();

  @Option(
      names = "--api-tls-cert",
      defaultValue = "${env:SKIFF_API_TLS_CERT}",
      description =
          "PEM certificate (chain) for the API's HTTPS (env SKIFF_API_TLS_CERT); with"
              + " --api-tls-key. Without them a non-loopback API gets a self-signed certificate"
              + " made at first start in {data-dir}/api-tls/.")
  Path apiTlsCert;

  @Option(
      names = "--api-tls-key",
      defaultValue = "${env:SKIFF_API_TLS_KEY}",
      description = "PEM private key of --api-tls-cert (env SKIFF_API_TLS_KEY).")
  Path apiTlsKey;

  @Option(
      names = "--metrics-auth",
      defaultValue = "${env:SKIFF_METRICS_AUTH:-false}",
      description =
          "Require a token for /metrics too (env SKIFF_METRICS_AUTH). Default: open, like /healthz.")
  boolean metricsAuth;

  @Option(
      names = "--config-dir",
      defaultValue = "${env:SKIFF_CONFIG_DIR}",
      description =
          "Where skiffd records its API URL and admin token for the skiff CLI of the same user"
              + " (credentials.json; env SKIFF_CONFIG_DIR). Default: $XDG_CONFIG_HOME/skiff or"
              + " ~/.config/skiff.")
  Path configDir;

  @Option(
      names = "--api-port",
      defaultValue = "${env:SKIFF_API_PORT:-7070}",
      description =
          "REST API, /healthz and /metrics (env SKIFF_API_PORT). Default: ${DEFAULT-VALUE}")
  int apiPort;

  @Option(
      names = "--gateway-port",
      defaultValue = "${env:SKIFF_GATEWAY_PORT:-8080}",
      description = "HTTP/1.1 and h2c ingress (env SKIFF_GATEWAY_PORT). Default: ${DEFAULT-VALUE}")
  int gatewayPort;

  @Option(
      names = "--gateway-tls-port",
      defaultValue = "${env:SKIFF_GATEWAY_TLS_PORT:-8443}",
      description =
          "HTTPS ingress, HTTP/2 and HTTP/1.1, a certificate per host name by SNI (env"
              + " SKIFF_GATEWAY_TLS_PORT); -1 turns it off. Default: ${DEFAULT-VALUE}")
  int gatewayTlsPort = 8443;

  @Option(
      names = "--public-https-port",
      defaultValue = "${env:SKIFF_PUBLIC_HTTPS_PORT:-0}",
      description =
          "The HTTPS port clients reach, named in redirects from HTTP (env"
              + " SKIFF_PUBLIC_HTTPS_PORT), when a port forward or load balancer stands in front;"
              + " 0: --gateway-tls-port itself.")
  int publicHttpsPort;

  @Option(
      names = "--acme-directory",
      defaultValue = "${env:SKIFF_ACME_DIRECTORY}",
      description =
          "ACME server directory URL for domains mapped with --tls auto (env"
              + " SKIFF_ACME_DIRECTORY), e.g. https://acme-v02.api.letsencrypt.org/directory."
              + " Without it, such domains stay failed with the reason.")
  String acmeDirectory;

  @Option(
      names = "--acme-email",
      defaultValue = "${env:SKIFF_ACME_EMAIL}",
      description = "Contact address of the ACME account (env SKIFF_ACME_EMAIL).")
  String acmeEmail;

  @Option(
      names = "--acme-ca-file",
      defaultValue = "${env:SKIFF_ACME_CA_FILE}",
      description =
          "PEM certificates to trust for the ACME server's own HTTPS (env SKIFF_ACME_CA_FILE),"
              + " for a private or test ACME server; default the JVM's trust store.")
  Path acmeCaFile;

  @Option(
      names = "--domain",
      defaultValue = "${env:SKIFF_DOMAIN:-localhost}",
      description =
          "Hosts are {service}.{namespace}.{domain} (env SKIFF_DOMAIN). Default: ${DEFAULT-VALUE}")
  String domain;

  @Option(
      names = "--trust-domain",
      defaultValue = "${env:SKIFF_TRUST_DOMAIN:-skiff.local}",
      description =
          "The mesh's trust domain: identities are spiffe://{trust-domain}/ns/{namespace}/svc/"
              + "{service} (env SKIFF_TRUST_DOMAIN). Fixed once the CA exists in the data"
              + " directory. Default: ${DEFAULT-VALUE}")
  String trustDomain = "skiff.local";

  @Option(
      names = "--log-level",
      defaultValue = "${env:SKIFF_LOG_LEVEL:-info}",
      description =
          "error, warn, info, debug or trace, then optionally logger=level pairs, e.g."
              + " info,skiff.coldstart=debug for the cold-start trace (env SKIFF_LOG_LEVEL)."
              + " Default: ${DEFAULT-VALUE}")
  String logLevel;

  @Option(
      names = "--event-loops",
      defaultValue = "${env:SKIFF_EVENT_LOOPS:-0}",
      description =
          "Event loops (threads serving every listener and the agent); 0 = one per core (env"
              + " SKIFF_EVENT_LOOPS). Default: ${DEFAULT-VALUE}")
  int eventLoops;

  @Option(
      names = "--wasm-threads",
      defaultValue = "${env:SKIFF_WASM_THREADS:-0}",
      description = "Threads running Wasm requests; 0 = twice the cores (env SKIFF_WASM_THREADS).")
  int wasmThreads;

  @Option(
      names = "--volume-root",
      defaultValue = "${env:SKIFF_VOLUME_ROOT}",
      description =
          "The one host directory under which Wasm services may mount directories"
              + " (wasm.directory.hostPath is relative to it); none by default, and then only"
              + " volumes of a service's own (env SKIFF_VOLUME_ROOT).")
  Path volumeRoot;

  @Option(
      names = "--drain",
      defaultValue = "${env:SKIFF_DRAIN_SECONDS:-30}",
      description =
          "Seconds the gateway, the activator and each instance of a stopping skiffd let requests in"
              + " flight finish (env SKIFF_DRAIN_SECONDS).")
  int drainSeconds;

  @Option(
      names = "--scale-to-zero-grace",
      defaultValue = "${env:SKIFF_SCALE_TO_ZERO_GRACE:-30}",
      description =
          "Seconds an idle revision keeps its last instance after the stable window, as"
              + " Knative's scale-to-zero-grace-period (env SKIFF_SCALE_TO_ZERO_GRACE). Default: ${DEFAULT-VALUE}")
  int scaleToZeroGraceSeconds;

  @Option(
      names = "--max-instances-per-revision",
      defaultValue = "${env:SKIFF_MAX_INSTANCES_PER_REVISION:-100}",
      description =
          "Ceiling on the instances one revision may have: min-scale, max-scale and initial-scale"
              + " above it are refused with 422 (env SKIFF_MAX_INSTANCES_PER_REVISION)."
              + " Default: ${DEFAULT-VALUE}")
  int maxInstancesPerRevision = 100;

  @Option(
      names = "--max-instances-per-node",
      defaultValue = "${env:SKIFF_MAX_INSTANCES_PER_NODE:-1000}",
      description =
          "Ceiling on the instances this node runs at once, all revisions together (env"
              + " SKIFF_MAX_INSTANCES_PER_NODE). Default: ${DEFAULT-VALUE}")
  int maxInstancesPerNode = 1000;

  @Option(
      names = "--node-memory",
      defaultValue = "${env:SKIFF_NODE_MEMORY:-auto}",
      description =
          "Memory instances may request in total (resources.memory), a quantity such as 8Gi;"
              + " auto = 80% of the machine's memory (env SKIFF_NODE_MEMORY). Default: ${DEFAULT-VALUE}")
  String nodeMemory = "auto";

  @Option(
      names = "--start-attempts",
      defaultValue = "${env:SKIFF_START_ATTEMPTS:-3}",
      description =
          "Failed starts in a row (with backoff from 1 s, doubling) after which a revision that"
              + " never became ready is Ready=False and its requests get 503 at once, until it is"
              + " deployed again (env SKIFF_START_ATTEMPTS). Default: ${DEFAULT-VALUE}")
  int startAttempts = 3;

  @Option(
      names = "--start-timeout",
      defaultValue = "${env:SKIFF_START_TIMEOUT:-120}",
      description =
          "Seconds an instance's start may take (an image pull that makes progress restarts the"
              + " count) before it is given up as a failed start, StartTimedOut, and retried with"
              + " backoff (env SKIFF_START_TIMEOUT). Default: ${DEFAULT-VALUE}")
  int startTimeoutSeconds = 120;

  @Option(
      names = "--pod-subnet",
      defaultValue = "${env:SKIFF_POD_SUBNET:-}",
      description =
          "IPv4 subnet (a.b.c.d/n, /8 to /30) container instances get their addresses from, one /30"
              + " each, fenced with an unreachable route (env SKIFF_POD_SUBNET). Refused, never"
              + " moved, when an address or route of anything else on the host overlaps it."
              + " Default: the first free /16 of 10.64.0.0/10, starting at one derived from"
              + " --data-dir.")
  String podSubnet = "";

  @Option(
      names = "--prepared-containers",
      defaultValue = "${env:SKIFF_PREPARED_CONTAINERS:-24}",
      description =
          "How many container revisions at zero keep a container created ahead (runc create,"
              + " its workload not yet run), so their next cold start only starts it; one per"
              + " revision, the least recently prepared dropped first; each waiting one holds"
              + " about 2-3 MiB of memory, a network namespace and an address; 0 for none, at"
              + " most 256 (env SKIFF_PREPARED_CONTAINERS).")
  int preparedContainers = ContainerConfig.DEFAULT_PREPARED_CONTAINERS;

  @Option(
      names = "--trusted-proxies",
      defaultValue = "${env:SKIFF_TRUSTED_PROXIES:-}",
      description =
          "Comma-separated CIDR blocks of proxies in front of the gateway whose X-Forwarded-For,"
              + " Forwarded and X-Forwarded-Proto are believed, e.g. 10.0.0.0/8 (env"
              + " SKIFF_TRUSTED_PROXIES). Default: none")
  String trustedProxies = "";

  @Option(
      names = "--header-timeout",
      defaultValue = "${env:SKIFF_HEADER_TIMEOUT_SECONDS:-60}",
      description =
          "Seconds a new connection to the gateway or the API may take to send its first request"
              + " head, like nginx's client_header_timeout (env SKIFF_HEADER_TIMEOUT_SECONDS)."
              + " Default: ${DEFAULT-VALUE}")
  int headerTimeoutSeconds = 60;

  @Option(
      names = "--idle-timeout",
      defaultValue = "${env:SKIFF_IDLE_TIMEOUT_SECONDS:-75}",
      description =
          "Seconds a connection may stay open with no request in flight, like nginx's"
              + " keepalive_timeout (env SKIFF_IDLE_TIMEOUT_SECONDS). Default: ${DEFAULT-VALUE}")
  int idleTimeoutSeconds = 75;

  @Option(
      names = "--body-timeout",
      defaultValue = "${env:SKIFF_BODY_TIMEOUT_SECONDS:-60}",
      description =
          "Seconds a request body may stall between reads before the request gets 408, like nginx's"
              + " client_body_timeout (env SKIFF_BODY_TIMEOUT_SECONDS). Default: ${DEFAULT-VALUE}")
  int bodyTimeoutSeconds = 60;

  @Option(
      names = "--max-connections",
      defaultValue = "${env:SKIFF_MAX_CONNECTIONS:-8192}",
      description =
          "Client connections the gateway keeps open at once (env SKIFF_MAX_CONNECTIONS). Default:"
              + " ${DEFAULT-VALUE}")
  int maxConnections = 8192;

  @Option(
      names = "--max-connections-per-client",
      defaultValue = "${env:SKIFF_MAX_CONNECTIONS_PER_CLIENT:-512}",
      description =
          "Client connections the gateway keeps open at once from one address; trusted proxies"
              + " are exempt (env SKIFF_MAX_CONNECTIONS_PER_CLIENT). Default: ${DEFAULT-VALUE}")
  int maxConnectionsPerClient = 512;

  @Option(
      names = "--api-max-connections",
      defaultValue = "${env:SKIFF_API_MAX_CONNECTIONS:-1024}",
      description =
          "Connections the API port keeps open at once, apart from the gateway's, so /healthz"
              + " answers while the gateway is flooded (env SKIFF_API_MAX_CONNECTIONS). Default:"
              + " ${DEFAULT-VALUE}")
  int apiMaxConnections = 1024;

  @Option(
      names = "--api-max-connections-per-client",
      defaultValue = "${env:SKIFF_API_MAX_CONNECTIONS_PER_CLIENT:-256}",
      description =
          "Connections the API port keeps open at once from one address (env"
              + " SKIFF_API_MAX_CONNECTIONS_PER_CLIENT). Default: ${DEFAULT-VALUE}")
  int apiMaxConnectionsPerClient = 256;

  @Option(
      names = "--examples",
      description = "Deploy the example functions at start-up and print what to curl.")
  boolean examples;

  @Option(
      names = "--mesh",
      hidden = true,
      defaultValue = "${env:SKIFF_MESH:-on}",
      description =
          "on: the mesh (a sidecar with mTLS before every instance, mTLS from the gateway and the"
              + " activator); off: every hop plaintext, for benchmarks that measure what the mesh"
              + " costs (env SKIFF_MESH). Default: ${DEFAULT-VALUE}")
  String meshSwitch = "on";

  @Option(
      names = "--gateway-in-process",
      hidden = true,
      defaultValue = "${env:SKIFF_GATEWAY_IN_PROCESS:-on}",
      description =
          "on: with the mesh, the gateway enters the sidecars of this process in process (no"
              + " socket); off: it calls them over mTLS like sidecars of other processes, a"
              + " diagnostic and measurement switch (env SKIFF_GATEWAY_IN_PROCESS, docs/mesh.md)."
              + " Default: ${DEFAULT-VALUE}")
  String gatewayInProcessSwitch = "on";

  @Option(
      names = "--roles",
      defaultValue = "${env:SKIFF_ROLES:-all}",
      paramLabel = "ROLE[,ROLE]",
      description =
          "What this skiffd runs (env SKIFF_ROLES): all (every component in one JVM), node (only"
              + " a node agent that joins the control plane at --control-plane over gRPC and runs"
              + " what it is assigned), or control-plane,gateway,activator,autoscaler,eventing"
              + " (everything but a local node: instances run on the nodes joined at --node-port),"
              + " or gateway,activator (an edge: serves requests apart from the control plane,"
              + " from --store etcd://..., joined at --control-plane), or eventing (a Kafka"
              + " dispatcher apart: triggers from --store etcd://..., events to --gateway-url); a"
              + " control plane may leave eventing out."
              + " Other subsets are not runnable apart yet (docs/cluster.md). Default:"
              + " ${DEFAULT-VALUE}")
  String roles = "all";

  @Option(
      names = "--gateway-url",
      defaultValue = "${env:SKIFF_GATEWAY_URL}",
      paramLabel = "http://HOST:PORT",
      description =
          "With --roles eventing: the gateway events are POSTed to, in plain HTTP with Host"
              + " {service}.{namespace}.{domain} (env SKIFF_GATEWAY_URL): an edge's or the control"
              + " plane's, e.g. http://10.0.0.1:8080.")
  String gatewayUrl;

  @Option(
      names = "--node-port",
      defaultValue = "${env:SKIFF_NODE_PORT:--1}",
      description =
          "The control plane's node port, where node agents on other machines join over gRPC with"
              + " mTLS (env SKIFF_NODE_PORT); 0 for any free port, -1 for none (no remote nodes)."
              + " Default: ${DEFAULT-VALUE}")
  int nodePort = -1;

  @Option(
      names = "--node-host",
      defaultValue = "${env:SKIFF_NODE_HOST:-127.0.0.1}",
      description =
          "Address the node port binds to (env SKIFF_NODE_HOST); every call there is TLS 1.3 and,"
              + " but for the bootstrap, mTLS with a node certificate. Default: ${DEFAULT-VALUE}")
  String nodeHost = "127.0.0.1";

  @Option(
      names = "--node-lease",
      defaultValue = "${env:SKIFF_NODE_LEASE:-10s}",
      description =
          "How long a node stays Ready after its last heartbeat (env SKIFF_NODE_LEASE); agents"
              + " beat every third of it. Default: ${DEFAULT-VALUE}")
  String nodeLease = "10s";

  @Option(
      names = "--leader-lease",
      defaultValue = "${env:SKIFF_LEADER_LEASE:-4s}",
      description =
          "With --store etcd: the lease of the leader among the skiffd sharing the store (env"
              + " SKIFF_LEADER_LEASE), at least 2s; the leader runs rollouts, lease checks and"
              + " placement, and another takes over within about the lease after it dies."
              + " Default: ${DEFAULT-VALUE}")
  String leaderLease = "4s";

  @Option(
      names = "--control-plane",
      defaultValue = "${env:SKIFF_CONTROL_PLANE}",
      paramLabel = "HOST:PORT[,HOST:PORT...]",
      description =
          "With --roles node or gateway,activator: the control plane's node port to join (env"
              + " SKIFF_CONTROL_PLANE), e.g. 10.0.0.1:7443 or https://cp.example:7443; for a node,"
              + " several control planes on one store: their node ports separated by commas, tried"
              + " in turn when one does not answer.")
  String controlPlane;

  @Option(
      names = "--node-name",
      defaultValue = "${env:SKIFF_NODE_NAME}",
      description =
          "With --roles node: this node's name, a DNS label (env SKIFF_NODE_NAME); with --roles"
              + " gateway,activator the edge's name in the control plane's log. Default: the"
              + " host name's first label.")
  String nodeName;

  @Option(
      names = "--bootstrap-token",
      defaultValue = "${env:SKIFF_BOOTSTRAP_TOKEN}",
      paramLabel = "FILE",
      description =
          "With --roles node or gateway,activator (a token made without --node): the file"
              + " holding the bootstrap token from skiff nodes token create"
              + " (env SKIFF_BOOTSTRAP_TOKEN).")
  Path bootstrapToken;

  @Option(
      names = "--control-plane-ca",
      defaultValue = "${env:SKIFF_CONTROL_PLANE_CA}",
      paramLabel = "FILE",
      description =
          "With --roles node or gateway,activator: the PEM roots the node port's certificate must"
              + " chain to, from skiff"
              + " nodes token create --out (env SKIFF_CONTROL_PLANE_CA).")
  Path controlPlaneCa;

  @Option(
      names = "--advertise-address",
      defaultValue = "${env:SKIFF_ADVERTISE_ADDRESS:-127.0.0.1}",
      description =
          "With --roles node: the address where this node's instances are reached (env"
              + " SKIFF_ADVERTISE_ADDRESS). Default: ${DEFAULT-VALUE}")
  String advertiseAddress = "127.0.0.1";

  @Option(
      names = "--node-cpu",
      defaultValue = "${env:SKIFF_NODE_CPU:-auto}",
      description =
          "With --roles node: CPU the node offers, a quantity such as 4 or 3500m; auto = every"
              + " processor (env SKIFF_NODE_CPU). Default: ${DEFAULT-VALUE}")
  String nodeCpu = "auto";

  /**
   * The mesh's lifetimes and delays (leaf TTL, bundle refresh, root switch delay, the CA's minimum
   * TTL); no flag: production keeps the defaults, tests compress them (docs/mesh.md).
   */
  MeshTimings meshTimings = MeshTimings.DEFAULTS;

  /** The ACME settings, or null without --acme-directory; fails on a malformed one. */
  public dev.skiff.ingress.AcmeSettings acme() {
    if (acmeDirectory == null || acmeDirectory.isBlank()) {
      if (acmeEmail != null || acmeCaFile != null) {
        throw new IllegalArgumentException(
            "--acme-email and --acme-ca-file need --acme-directory URL");
      }
      return null;
    }
    java.net.URI uri;
    try {
      uri = new java.net.URI(acmeDirectory);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException(
          "--acme-directory is not a URL: "
              + e.getMessage()
              + "; e.g."
              + " https://acme-v02.api.letsencrypt.org/directory",
          e);
    }
    if (acmeCaFile != null && !java.nio.file.Files.isReadable(acmeCaFile)) {
      throw new IllegalArgumentException("--acme-ca-file " + acmeCaFile + " is not readable");
    }
    try {
      return new dev.skiff.ingress.AcmeSettings(uri, acmeEmail, acmeCaFile);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--acme-directory: " + e.getMessage(), e);
    }
  }

  /**
   * Whether the gateway enters this process's sidecars in process ({@code --gateway-in-process
   * on|off}); fails on any other value.
   */
  public boolean gatewayInProcess() {
    return switch (gatewayInProcessSwitch) {
      case "on" -> true;
      case "off" -> false;
      default ->
          throw new IllegalArgumentException(
              "--gateway-in-process must be on or off (env SKIFF_GATEWAY_IN_PROCESS), got '"
                  + gatewayInProcessSwitch
                  + "'");
    };
  }

  /** Whether skiffd wires the mesh ({@code --mesh on|off}); fails on any other value. */
  public boolean mesh() {
    return switch (meshSwitch) {
      case "on" -> true;
      case "off" -> false;
      default ->
          throw new IllegalArgumentException("--mesh must be on or off, got '" + meshSwitch + "'");
    };
  }
}
