package dev.skiff.server;

import dev.skiff.api.validation.Names;
import dev.skiff.api.validation.Quantities;
import dev.skiff.nodeagent.RemoteNodeAgent;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * {@code skiffd --roles node}: a process that runs only a node agent's link to the control plane
 * (node-agent's {@link RemoteNodeAgent}): it bootstraps its identity with the token file, registers
 * the node, holds its lease and follows its assignments. Running what it is assigned is not built
 * yet (docs/cluster.md).
 */
final class NodeRole {
  private final SkiffdOptions options;
  private Vertx vertx;
  private RemoteNodeAgent agent;

  NodeRole(SkiffdOptions options) {
    this.options = options;
  }

  /** The agent as the flags describe it; throws {@link IllegalArgumentException} naming a flag. */
  RemoteNodeAgent.Builder settings() {
    if (options.controlPlane == null || options.controlPlane.isBlank()) {
      throw new IllegalArgumentException(
          "--roles node needs --control-plane HOST:PORT, the control plane's node port"
              + " (skiffd --node-port there)");
    }
    String hostPort = options.controlPlane.strip();
    if (hostPort.startsWith("https://")) {
      hostPort = hostPort.substring("https://".length());
    }
    if (hostPort.endsWith("/")) {
      hostPort = hostPort.substring(0, hostPort.length() - 1);
    }
    int colon = hostPort.lastIndexOf(':');
    int port;
    try {
      port = colon < 1 ? -1 : Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 1 || port > 65535 || hostPort.contains("/")) {
      throw new IllegalArgumentException(
          "--control-plane "
              + options.controlPlane
              + " is not HOST:PORT; write e.g. 10.0.0.1:7443 (the control plane's --node-port)");
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    String name = options.nodeName != null ? options.nodeName : defaultName();
    if (!Names.isDnsLabel(name)) {
      throw new IllegalArgumentException(
          "--node-name '" + name + "' is not a valid node name; " + Names.DNS_HINT);
    }
    String token = read(options.bootstrapToken, "--bootstrap-token").strip();
    String ca = read(options.controlPlaneCa, "--control-plane-ca");
    long cpu = cpu(options.nodeCpu);
    long memory = Skiffd.nodeMemory(options.nodeMemory);
    return RemoteNodeAgent.builder()
        .withControlPlane(host, port)
        .withNodeName(name)
        .withBootstrapToken(token)
        .withControlPlaneCa(ca)
        .withTrustDomain(options.trustDomain)
        .withAdvertiseAddress(options.advertiseAddress)
        .withCapacity(cpu, memory);
  }

  /** Starts the agent; fails when the control plane refuses the node. */
  Future<Void> start(RemoteNodeAgent.Builder settings) {
    vertx = Vertx.vertx();
    agent = settings.withVertx(vertx).build();
    try {
      Files.createDirectories(options.dataDir.toAbsolutePath());
    } catch (IOException e) {
      return Future.failedFuture(
          new IllegalStateException("cannot make --data-dir " + options.dataDir + ": " + e, e));
    }
    return agent.start().mapEmpty();
  }

  /** Stops heartbeats and closes Vert.x; the node's lease then runs out. */
  void shutdown() {
    if (agent != null) {
      agent.stop().toCompletionStage().toCompletableFuture().join();
    }
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().join();
    }
  }

  private static String read(Path file, String flag) {
    if (file == null) {
      throw new IllegalArgumentException(
          "--roles node needs "
              + flag
              + " FILE (skiff nodes token create --out DIR writes bootstrap-token and ca.pem)");
    }
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      if (text.isBlank()) {
        throw new IllegalArgumentException(flag + " " + file + " is empty");
      }
      return text;
    } catch (IOException e) {
      throw new IllegalArgumentException(flag + " " + file + " cannot be read: " + e, e);
    }
  }

  static long cpu(String flag) {
    if ("auto".equals(flag)) {
      return Runtime.getRuntime().availableProcessors() * 1000L;
    }
    try {
      long m = Quantities.millicores(flag);
      if (m <= 0) {
        throw new IllegalArgumentException("must be above 0");
      }
      return m;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "--node-cpu "
              + flag
              + " is not a CPU quantity ("
              + e.getMessage()
              + "); use e.g. 4 or"
              + " 3500m, or auto",
          e);
    }
  }

  private static String defaultName() {
    try {
      String h = InetAddress.getLocalHost().getHostName().toLowerCase(Locale.ROOT);
      int dot = h.indexOf('.');
      return dot > 0 ? h.substring(0, dot) : h;
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the host name for a node name (" + e + "); pass --node-name", e);
    }
  }
}
