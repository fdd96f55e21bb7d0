package dev.skiff.server;

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
      names = "--host",
      defaultValue = "${env:SKIFF_HOST:-127.0.0.1}",
      description =
          "Address the API and the gateway bind to (env SKIFF_HOST). Default: ${DEFAULT-VALUE}")
  String host;

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
      names = "--domain",
      defaultValue = "${env:SKIFF_DOMAIN:-localhost}",
      description =
          "Hosts are {service}.{namespace}.{domain} (env SKIFF_DOMAIN). Default: ${DEFAULT-VALUE}")
  String domain;

  @Option(
      names = "--log-level",
      defaultValue = "${env:SKIFF_LOG_LEVEL:-info}",
      description =
          "error, warn, info, debug or trace (env SKIFF_LOG_LEVEL). Default: ${DEFAULT-VALUE}")
  String logLevel;

  @Option(
      names = "--wasm-threads",
      defaultValue = "${env:SKIFF_WASM_THREADS:-0}",
      description = "Threads running Wasm requests; 0 = twice the cores (env SKIFF_WASM_THREADS).")
  int wasmThreads;

  @Option(
      names = "--drain",
      defaultValue = "${env:SKIFF_DRAIN_SECONDS:-30}",
      description =
          "Seconds a stopping instance may finish in-flight requests (env SKIFF_DRAIN_SECONDS).")
  int drainSeconds;

  @Option(
      names = "--scale-to-zero-grace",
      defaultValue = "${env:SKIFF_SCALE_TO_ZERO_GRACE:-30}",
      description =
          "Seconds an idle revision keeps its last instance after the stable window, as"
              + " Knative's scale-to-zero-grace-period (env SKIFF_SCALE_TO_ZERO_GRACE). Default: ${DEFAULT-VALUE}")
  int scaleToZeroGraceSeconds;

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
}
