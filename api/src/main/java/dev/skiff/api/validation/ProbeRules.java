package dev.skiff.api.validation;

import dev.skiff.api.model.Probe;
import dev.skiff.api.model.RevisionTemplate;

/**
 * Checks a template's probes as Knative does: one handler each (httpGet, tcpSocket, grpc or exec),
 * ports that are the serving port, Kubernetes' ranges, a liveness success threshold of 1;
 * containers only (a Wasm instance is ready when its module is compiled and never hangs between
 * requests).
 */
final class ProbeRules {
  /** The longest {@code grpc.service} accepted: a fully qualified gRPC service name fits. */
  static final int MAX_GRPC_SERVICE = 256;

  private ProbeRules() {}

  static void check(Problems p, String path, RevisionTemplate t) {
    probe(p, path + ".readinessProbe", t.readinessProbe(), t, false);
    probe(p, path + ".livenessProbe", t.livenessProbe(), t, true);
  }

  private static void probe(
      Problems p, String path, Probe probe, RevisionTemplate t, boolean liveness) {
    if (probe == null) {
      return;
    }
    if (t.wasm() != null) {
      p.add(path, "applies to containers only", "remove it; Skiff checks Wasm modules itself");
      return;
    }
    int handlers =
        (probe.httpGet() != null ? 1 : 0)
            + (probe.tcpSocket() != null ? 1 : 0)
            + (probe.grpc() != null ? 1 : 0)
            + (probe.exec() != null ? 1 : 0);
    if (handlers != 1) {
      p.add(
          path,
          "needs exactly one of httpGet, tcpSocket, grpc or exec, got " + handlers,
          "e.g. httpGet: {path: /healthz}");
    }
    if (probe.httpGet() != null) {
      servingPort(p, path + ".httpGet.port", probe.httpGet().port(), t);
      String pathValue = probe.httpGet().path();
      if (pathValue != null && !pathValue.startsWith("/")) {
        p.add(path + ".httpGet.path", "must start with '/'", "e.g. /healthz");
      }
      for (int i = 0; i < probe.httpGet().httpHeaders().size(); i++) {
        Probe.Header h = probe.httpGet().httpHeaders().get(i);
        if (h == null
            || h.name() == null
            || !h.name().matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")
            || h.value() == null
            || h.value().indexOf('\r') >= 0
            || h.value().indexOf('\n') >= 0) {
          p.add(
              path + ".httpGet.httpHeaders[" + i + "]",
              "must be a header name and a one-line value",
              null);
        }
      }
    }
    if (probe.tcpSocket() != null) {
      servingPort(p, path + ".tcpSocket.port", probe.tcpSocket().port(), t);
    }
    if (probe.grpc() != null) {
      grpc(p, path + ".grpc", probe.grpc(), t);
    }
    if (probe.exec() != null && probe.exec().command().isEmpty()) {
      p.add(path + ".exec.command", "must not be empty", "e.g. [cat, /tmp/healthy]");
    }
    range(p, path + ".initialDelaySeconds", probe.initialDelaySeconds(), 0, 3600);
    range(p, path + ".periodSeconds", probe.periodSeconds(), liveness ? 1 : 0, 3600);
    range(p, path + ".timeoutSeconds", probe.timeoutSeconds(), 1, 3600);
    range(p, path + ".successThreshold", probe.successThreshold(), 1, liveness ? 1 : 1000);
    range(p, path + ".failureThreshold", probe.failureThreshold(), 1, 1000);
  }

  private static void grpc(Problems p, String path, Probe.Grpc g, RevisionTemplate t) {
    if (g.port() != null && (g.port() < 1 || g.port() > 65535)) {
      p.add(
          path + ".port",
          "must be a port number from 1 to 65535, got " + g.port(),
          "leave it out to probe the serving port " + t.portOrDefault());
    } else {
      servingPort(p, path + ".port", g.port(), t);
    }
    String service = g.service();
    if (service != null
        && (service.length() > MAX_GRPC_SERVICE
            || service.codePoints().anyMatch(Character::isISOControl))) {
      p.add(
          path + ".service",
          "must be a service name of at most "
              + MAX_GRPC_SERVICE
              + " characters without control characters",
          "e.g. grpc.health.v1.Health or ping.PingService; leave it out for the server's"
              + " overall health");
    }
  }

  private static void servingPort(Problems p, String field, Integer port, RevisionTemplate t) {
    if (port != null && port != t.portOrDefault()) {
      p.add(
          field,
          "must be the serving port " + t.portOrDefault() + ", got " + port,
          "Knative probes the port the container serves on; leave it out");
    }
  }

  private static void range(Problems p, String field, Integer v, int lo, int hi) {
    if (v != null && (v < lo || v > hi)) {
      p.add(field, "must be between " + lo + " and " + hi + ", got " + v, null);
    }
  }
}
