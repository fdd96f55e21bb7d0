package dev.skiff.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A skiffd control plane as its own process ({@link SkiffdProcess}) with a node port, for the ITs
 * that join node agents, edges or dispatchers to it: its API, gateway and node port on free ports,
 * and a {@link Cli} as its user.
 */
record ControlPlaneProcess(
    Process process, int api, int gateway, int nodePort, Cli cli, Path config, List<String> flags) {
  /** Every role but the node's: nodes join over the node port. */
  static final String ROLES = "control-plane,gateway,activator,autoscaler,eventing";

  /** A control plane over {@code data}, its CLI credentials in {@code config}. */
  static Builder builder(Path data, Path config) {
    return new Builder(data, config);
  }

  /**
   * Makes a bootstrap token into {@code join} ({@code bootstrap-token} and {@code ca.pem}, as
   * {@code skiff nodes token create --out} writes them); returns {@code join}.
   */
  Path createJoinToken(Path join) {
    cli.ok("nodes", "token", "create", "--out", join.toString());
    return join;
  }

  /**
   * Starts the control plane again (after the test killed it) on the same ports, with the same
   * flags and CLI credentials directory, over {@code data}; answers the new process.
   */
  Process relaunch(Path data) throws Exception {
    return SkiffdProcess.launch(data, api, gateway, config, new ArrayList<>(), flags);
  }

  /**
   * Waits until the nodes named report {@code total} ready instances between them, as {@code skiff
   * nodes describe} shows them through {@code cli}; answers each node's ready endpoints.
   */
  static Map<String, List<String>> awaitReadyInstances(
      Cli cli, List<String> nodes, int total, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Map<String, List<String>> last = Map.of();
    while (System.nanoTime() < deadline) {
      Map<String, List<String>> now = new TreeMap<>();
      int count = 0;
      for (String n : nodes) {
        JsonNode view = cli.ok("nodes", "describe", n, "-o", "json").json();
        List<String> eps = new ArrayList<>();
        for (JsonNode i : view.path("instances")) {
          if ("READY".equals(i.path("state").asText())) {
            eps.add(i.path("endpoint").asText());
          }
        }
        count += eps.size();
        now.put(n, eps);
      }
      last = now;
      if (count == total) {
        return now;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        total + " ready instances on " + nodes + " not reached in " + seconds + " s: " + last);
  }

  /** What the control plane runs with; {@link #launch} starts it and waits until it is ready. */
  static final class Builder {
    private final Path data;
    private final Path config;
    private String roles = ROLES;
    private String store;
    private Integer leaseSeconds;
    private final List<String> flags = new ArrayList<>();

    private Builder(Path data, Path config) {
      this.data = data;
      this.config = config;
    }

    /** {@code --roles}; {@link #ROLES} unless set, none (skiffd's default) for null. */
    Builder roles(String roles) {
      this.roles = roles;
      return this;
    }

    /** {@code --store}, e.g. an etcd URL; skiffd's own store unless set. */
    Builder store(String store) {
      this.store = store;
      return this;
    }

    /** {@code --node-lease} in seconds; skiffd's default unless set. */
    Builder leaseSeconds(int seconds) {
      this.leaseSeconds = seconds;
      return this;
    }

    /** More flags, after {@code --node-port} and before {@code --node-lease}. */
    Builder flags(String... more) {
      flags.addAll(List.of(more));
      return this;
    }

    ControlPlaneProcess launch() throws Exception {
      int api = SkiffdProcess.freePort();
      int gateway = SkiffdProcess.freePort();
      int nodePort = SkiffdProcess.freePort();
      List<String> command = new ArrayList<>();
      if (roles != null) {
        command.addAll(List.of("--roles", roles));
      }
      if (store != null) {
        command.addAll(List.of("--store", store));
      }
      command.addAll(List.of("--node-port", Integer.toString(nodePort)));
      command.addAll(flags);
      if (leaseSeconds != null) {
        command.addAll(List.of("--node-lease", leaseSeconds + "s"));
      }
      Process p = SkiffdProcess.launch(data, api, gateway, config, new ArrayList<>(), command);
      Cli cli =
          new Cli(
              Map.of(
                  "SKIFF_SERVER", "http://127.0.0.1:" + api,
                  "SKIFF_CONFIG_DIR", config.toString(),
                  "SKIFF_DATA_DIR", data.toString()));
      return new ControlPlaneProcess(p, api, gateway, nodePort, cli, config, List.copyOf(command));
    }
  }
}
