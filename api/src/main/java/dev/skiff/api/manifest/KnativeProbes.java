package dev.skiff.api.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.model.Probe;
import dev.skiff.api.validation.Problems;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A Knative container's {@code readinessProbe} or {@code livenessProbe}: {@code httpGet} (path,
 * port, httpHeaders), {@code tcpSocket} (port), {@code grpc} (port, service) or {@code exec}
 * (command), with Kubernetes' timing fields. A {@code httpGet.scheme} of HTTPS is refused by path.
 */
final class KnativeProbes {
  private static final Set<String> PROBE =
      Set.of(
          "httpGet",
          "tcpSocket",
          "grpc",
          "exec",
          "initialDelaySeconds",
          "periodSeconds",
          "timeoutSeconds",
          "successThreshold",
          "failureThreshold");
  private static final Set<String> HTTP_GET = Set.of("path", "port", "httpHeaders", "scheme");
  private static final Set<String> HEADER = Set.of("name", "value");

  private KnativeProbes() {}

  static Probe probe(Problems p, String path, JsonNode n) {
    if (n.isMissingNode() || n.isNull()) {
      return null;
    }
    KnativeService.fields(p, path, n, PROBE);
    Probe.HttpGet httpGet = null;
    if (n.has("httpGet")) {
      JsonNode h = n.get("httpGet");
      KnativeService.fields(p, path + ".httpGet", h, HTTP_GET);
      if (h.has("scheme") && !"HTTP".equals(h.get("scheme").asText())) {
        p.add(path + ".httpGet.scheme", "only HTTP is supported", "remove it or write HTTP");
      }
      List<Probe.Header> headers = new ArrayList<>();
      JsonNode hs = h.path("httpHeaders");
      if (!hs.isMissingNode() && !hs.isArray()) {
        p.add(path + ".httpGet.httpHeaders", "must be a list of {name, value}", null);
      } else {
        for (int i = 0; i < hs.size(); i++) {
          String at = path + ".httpGet.httpHeaders[" + i + "]";
          KnativeService.fields(p, at, hs.get(i), HEADER);
          headers.add(
              new Probe.Header(
                  KnativeService.text(p, at + ".name", hs.get(i).path("name")),
                  KnativeService.text(p, at + ".value", hs.get(i).path("value"))));
        }
      }
      httpGet =
          new Probe.HttpGet(
              h.has("path") ? KnativeService.text(p, path + ".httpGet.path", h.get("path")) : null,
              port(p, path + ".httpGet.port", h.path("port")),
              headers);
    }
    Probe.TcpSocket tcp = null;
    if (n.has("tcpSocket")) {
      KnativeService.fields(p, path + ".tcpSocket", n.get("tcpSocket"), Set.of("port"));
      tcp = new Probe.TcpSocket(port(p, path + ".tcpSocket.port", n.get("tcpSocket").path("port")));
    }
    Probe.Grpc grpc = null;
    if (n.has("grpc")) {
      JsonNode g = n.get("grpc");
      KnativeService.fields(p, path + ".grpc", g, Set.of("port", "service"));
      grpc =
          new Probe.Grpc(
              port(p, path + ".grpc.port", g.path("port")),
              g.hasNonNull("service")
                  ? KnativeService.text(p, path + ".grpc.service", g.get("service"))
                  : null);
    }
    Probe.Exec exec = null;
    if (n.has("exec")) {
      KnativeService.fields(p, path + ".exec", n.get("exec"), Set.of("command"));
      List<String> command = new ArrayList<>();
      JsonNode c = n.get("exec").path("command");
      if (!c.isArray()) {
        p.add(path + ".exec.command", "must be a list of strings", "e.g. [cat, /tmp/healthy]");
      } else {
        for (int i = 0; i < c.size(); i++) {
          command.add(KnativeService.text(p, path + ".exec.command[" + i + "]", c.get(i)));
        }
      }
      exec = new Probe.Exec(command);
    }
    return new Probe(
        httpGet,
        tcp,
        grpc,
        exec,
        KnativeService.integer(p, path + ".initialDelaySeconds", n.path("initialDelaySeconds")),
        KnativeService.integer(p, path + ".periodSeconds", n.path("periodSeconds")),
        KnativeService.integer(p, path + ".timeoutSeconds", n.path("timeoutSeconds")),
        KnativeService.integer(p, path + ".successThreshold", n.path("successThreshold")),
        KnativeService.integer(p, path + ".failureThreshold", n.path("failureThreshold")));
  }

  /** A port number; a named port is refused (Knative serves one port, so name it by number). */
  private static Integer port(Problems p, String path, JsonNode n) {
    if (n.isMissingNode() || n.isNull()) {
      return null;
    }
    if (n.isTextual()) {
      p.add(path, "named ports are not supported", "give the port number, or leave it out");
      return null;
    }
    return KnativeService.integer(p, path, n);
  }
}
