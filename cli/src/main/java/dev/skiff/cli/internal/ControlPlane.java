package dev.skiff.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.ConfigMap;
import dev.skiff.api.model.DomainMapping;
import dev.skiff.api.model.Node;
import dev.skiff.api.model.Resource;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Secret;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.api.model.Trigger;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The control plane's REST API (docs/rest-api.md) as typed calls. */
public final class ControlPlane {
  private final HttpApi http;

  public ControlPlane(HttpApi http) {
    this.http = http;
  }

  public Optional<Reply<Service>> findService(String ns, String name) {
    try {
      return Optional.of(service(ns, name));
    } catch (ServerRejectedException e) {
      if (e.status() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  public Reply<Service> service(String ns, String name) {
    return one(http.get(servicePath(ns, name)), Service.class);
  }

  /** The services of a namespace, or of every namespace when {@code ns} is null. */
  public Reply<List<Service>> services(String ns) {
    return list(
        http.get(ns == null ? "/v1/services" : "/v1/namespaces/" + ns + "/services"),
        Service.class);
  }

  public Reply<Service> createService(Service s) {
    String ns = s.metadata().namespaceOrDefault();
    return one(http.post("/v1/namespaces/" + ns + "/services", WireJson.write(s)), Service.class);
  }

  /**
   * Creates or replaces; a {@code metadata.resourceVersion} makes it conditional (409 if stale).
   */
  public Reply<Service> putService(Service s) {
    return one(
        http.put(
            servicePath(s.metadata().namespaceOrDefault(), s.metadata().name()), WireJson.write(s)),
        Service.class);
  }

  public Reply<Service> putTraffic(
      String ns, String name, List<TrafficTarget> traffic, Long resourceVersion) {
    ObjectNode body = Json.mapper().createObjectNode();
    body.set("traffic", WireJson.tree(traffic));
    if (resourceVersion != null) {
      body.put("resourceVersion", resourceVersion);
    }
    return one(http.put(servicePath(ns, name) + "/traffic", WireJson.write(body)), Service.class);
  }

  public JsonNode deleteService(String ns, String name) {
    return http.delete(servicePath(ns, name)).json();
  }

  /**
   * Revisions ordered by number; of one service, or of the namespace when {@code service} is null,
   * or of every namespace when both are null.
   */
  public Reply<List<Revision>> revisions(String ns, String service) {
    if (ns == null && service != null) {
      throw new IllegalArgumentException("a service's revisions need its namespace");
    }
    String path =
        ns == null
            ? "/v1/revisions"
            : "/v1/namespaces/"
                + ns
                + "/revisions"
                + (service == null ? "" : "?service=" + service);
    return list(http.get(path), Revision.class);
  }

  public Optional<Revision> findRevision(String ns, String name) {
    try {
      return Optional.of(
          one(http.get("/v1/namespaces/" + ns + "/revisions/" + name), Revision.class).value());
    } catch (ServerRejectedException e) {
      if (e.status() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }

  public JsonNode deleteRevision(String ns, String name) {
    return http.delete("/v1/namespaces/" + ns + "/revisions/" + name).json();
  }

  /**
   * {@code GET /v1/instances}: the instances of a namespace, or of one service of it, as the nodes
   * run them, sorted by service, revision and name.
   */
  public Reply<List<Instance>> instances(String ns, String service) {
    String path =
        "/v1/instances?namespace="
            + encode(ns)
            + (service == null ? "" : "&service=" + encode(service));
    return list(http.get(path), Instance.class);
  }

  /** Uploads a Wasm module and returns its digest, {@code sha256:<hex>}. */
  public String uploadBlob(byte[] module) {
    JsonNode answer = http.postBytes("/v1/blobs", module, "application/wasm").json();
    if (answer == null || !answer.hasNonNull("digest")) {
      throw new CliException(
          "the control plane did not return a digest for the uploaded module", null);
    }
    return answer.get("digest").asText();
  }

  /** Creates or replaces any resource kind a manifest can hold. */
  public Reply<? extends Resource> put(Resource r) {
    String ns = r.metadata().namespaceOrDefault();
    String name = r.metadata().name();
    if (r instanceof Service s) {
      return putService(s);
    } else if (r instanceof Trigger) {
      return one(
          http.put("/v1/namespaces/" + ns + "/triggers/" + name, WireJson.write(r)), Trigger.class);
    } else if (r instanceof Node) {
      return one(http.put("/v1/nodes/" + name, WireJson.write(r)), Node.class);
    } else if (r instanceof Secret) {
      return putSecret((Secret) r);
    } else if (r instanceof ConfigMap) {
      return one(
          http.put("/v1/namespaces/" + ns + "/configmaps/" + name, WireJson.write(r)),
          ConfigMap.class);
    } else if (r instanceof DomainMapping d) {
      return putDomainMapping(d);
    }
    throw new IllegalArgumentException("cannot apply a " + r.kind());
  }

  /**
   * The service's log lines as the control plane sends them, one JSON object per line; with {@code
   * follow} the answer stays open and new lines keep coming until it is closed.
   *
   * @param revision only this revision's lines, or null for all
   * @param tail only the last this many lines, or null for all
   * @param since a duration ({@code 5m}) or an RFC 3339 time, or null
   */
  public LineStream logs(
      String ns, String name, String revision, Integer tail, String since, boolean follow) {
    StringBuilder q = new StringBuilder("?follow=").append(follow);
    if (revision != null) {
      q.append("&revision=").append(encode(revision));
    }
    if (tail != null) {
      q.append("&tail=").append(tail);
    }
    if (since != null) {
      q.append("&since=").append(encode(since)); // an offset's '+' must not arrive as a space
    }
    return http.getLines(servicePath(ns, name) + "/logs" + q, follow);
  }

  /**
   * {@code GET /v1/namespaces/NS/events} (or {@code /v1/events} for every namespace, {@code ns}
   * null): the kept events, oldest first, about {@code object} (an object or a service; null for
   * all).
   */
  public Reply<List<dev.skiff.api.event.Event>> events(String ns, String object) {
    return list(http.get(eventsPath(ns, object, false)), dev.skiff.api.event.Event.class);
  }

  /** The same events as a stream: the kept ones, then every new one until the stream ends. */
  public LineStream watchEvents(String ns, String object) {
    return http.getLines(eventsPath(ns, object, true), true);
  }

  private static String eventsPath(String ns, String object, boolean watch) {
    StringBuilder p =
        new StringBuilder(ns == null ? "/v1/events" : "/v1/namespaces/" + ns + "/events")
            .append("?watch=")
            .append(watch);
    if (object != null) {
      p.append("&object=").append(encode(object));
    }
    return p.toString();
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private static String servicePath(String ns, String name) {
    return "/v1/namespaces/" + ns + "/services/" + name;
  }

  private static <T> Reply<T> one(HttpApi.Response r, Class<T> type) {
    if (r.json() == null || !r.json().isObject()) {
      throw new CliException(
          "the control plane sent no " + type.getSimpleName() + " in its answer", null);
    }
    return new Reply<>(r.status(), Decoder.read(r.json(), type), r.json());
  }

  private static <T> Reply<List<T>> list(HttpApi.Response r, Class<T> type) {
    if (r.json() == null || !r.json().path("items").isArray()) {
      throw new CliException("the control plane's list answer has no items", null);
    }
    List<T> items = new ArrayList<>();
    for (JsonNode item : r.json().get("items")) {
      items.add(Decoder.read(item, type));
    }
    return new Reply<>(r.status(), List.copyOf(items), r.json());
  }

  /** {@code POST /v1/tokens}: the answer carries the token, shown only this once. */
  public JsonNode createToken(String name, String role, String namespace) {
    var body = dev.skiff.api.manifest.Json.mapper().createObjectNode().put("name", name);
    body.put("role", role);
    if (namespace != null) {
      body.put("namespace", namespace);
    }
    return http.post("/v1/tokens", body.toString()).json();
  }

  /** {@code GET /v1/tokens}: names, roles and namespaces, never the tokens. */
  /** Creates or replaces a secret; the answer has its keys and sizes, never values. */
  public Reply<Secret> putSecret(Secret s) {
    String ns = s.metadata().namespaceOrDefault();
    return one(
        http.put("/v1/namespaces/" + ns + "/secrets/" + s.metadata().name(), WireJson.write(s)),
        Secret.class);
  }

  public Reply<DomainMapping> putDomainMapping(DomainMapping d) {
    String ns = d.metadata().namespaceOrDefault();
    return one(
        http.put(
            "/v1/namespaces/" + ns + "/domainmappings/" + d.metadata().name(), WireJson.write(d)),
        DomainMapping.class);
  }

  /** Uploads the certificate chain and key (PEM) a domain mapped with tls files is served with. */
  public Reply<DomainMapping> putDomainCertificate(
      String ns, String domain, String chainPem, String keyPem) {
    var body = WireJson.write(java.util.Map.of("certificate", chainPem, "key", keyPem));
    return one(
        http.put("/v1/namespaces/" + ns + "/domainmappings/" + domain + "/certificate", body),
        DomainMapping.class);
  }

  /** Uploads a certificate not tied to one mapping, such as a wildcard {@code *.example.com}. */
  public JsonNode putClusterCertificate(String name, String chainPem, String keyPem) {
    var body = WireJson.write(java.util.Map.of("certificate", chainPem, "key", keyPem));
    return http.put("/v1/certificates/" + name, body).json();
  }

  public Reply<DomainMapping> domainMapping(String ns, String domain) {
    return one(http.get("/v1/namespaces/" + ns + "/domainmappings/" + domain), DomainMapping.class);
  }

  /** The namespace's mappings, or every one with {@code ns} null. */
  public Reply<List<DomainMapping>> domainMappings(String ns) {
    return list(
        http.get(ns == null ? "/v1/domainmappings" : "/v1/namespaces/" + ns + "/domainmappings"),
        DomainMapping.class);
  }

  public JsonNode deleteDomainMapping(String ns, String domain) {
    return http.delete("/v1/namespaces/" + ns + "/domainmappings/" + domain).json();
  }

  public Reply<Secret> secret(String ns, String name) {
    return one(http.get("/v1/namespaces/" + ns + "/secrets/" + name), Secret.class);
  }

  public Reply<List<Secret>> secrets(String ns) {
    return list(http.get("/v1/namespaces/" + ns + "/secrets"), Secret.class);
  }

  public JsonNode deleteSecret(String ns, String name) {
    return http.delete("/v1/namespaces/" + ns + "/secrets/" + name).json();
  }

  public JsonNode tokens() {
    return http.get("/v1/tokens").json();
  }

  public JsonNode deleteToken(String name) {
    return http.delete("/v1/tokens/" + name).json();
  }

  /** {@code GET /v1/cluster/nodes}: every node with its lease and allocation. */
  public JsonNode nodes() {
    return http.get("/v1/cluster/nodes").json();
  }

  /** {@code GET /v1/cluster/nodes/{name}}: one node with its assignments and instances. */
  public JsonNode node(String name) {
    return http.get("/v1/cluster/nodes/" + name).json();
  }

  /** {@code POST /v1/cluster/nodes/{name}/{action}}: cordon, uncordon or drain. */
  public JsonNode nodeAction(String name, String action) {
    return http.post("/v1/cluster/nodes/" + name + "/" + action, "{}").json();
  }

  /**
   * {@code POST /v1/cluster/tokens}: a bootstrap token, optionally for nodes or edges only ({@code
   * joinsAs}) and for one node.
   */
  public JsonNode createNodeToken(String joinsAs, String node, String ttl) {
    var body = dev.skiff.api.manifest.Json.mapper().createObjectNode();
    if (joinsAs != null) {
      body.put("for", joinsAs);
    }
    if (node != null) {
      body.put("node", node);
    }
    if (ttl != null) {
      body.put("ttl", ttl);
    }
    return http.post("/v1/cluster/tokens", body.toString()).json();
  }

  public JsonNode nodeTokens() {
    return http.get("/v1/cluster/tokens").json();
  }

  public JsonNode deleteNodeToken(String id) {
    return http.delete("/v1/cluster/tokens/" + id).json();
  }

  /** {@code GET /v1/mesh/ca}: the trust bundle, PEM. */
  public String meshTrustBundle() {
    return http.getText("/v1/mesh/ca");
  }

  /** {@code POST /v1/mesh/certificates} for a workload identity. */
  public JsonNode issueMeshCertificate(String csrPem, String ns, String service, String ttl) {
    ObjectNode body = Json.mapper().createObjectNode().put("csr", csrPem);
    body.put("namespace", ns).put("service", service);
    if (ttl != null) {
      body.put("ttl", ttl);
    }
    return http.post("/v1/mesh/certificates", body.toString()).json();
  }

  /** {@code GET /v1/mesh/status}. */
  public JsonNode meshStatus() {
    return http.get("/v1/mesh/status").json();
  }

  /** {@code POST /v1/mesh/rotate-root}; {@code finish} drops the old root at once. */
  public JsonNode rotateMeshRoot(boolean finish) {
    return http.post("/v1/mesh/rotate-root", finish ? "{\"finish\":true}" : "{}").json();
  }

  // -- Triggers -----------------------------------------------------------------------------------

  public Reply<Trigger> createTrigger(Trigger t) {
    String ns = t.metadata().namespaceOrDefault();
    return one(http.post("/v1/namespaces/" + ns + "/triggers", WireJson.write(t)), Trigger.class);
  }

  public Reply<Trigger> trigger(String ns, String name) {
    return one(http.get("/v1/namespaces/" + ns + "/triggers/" + name), Trigger.class);
  }

  /** The triggers of a namespace, or of every namespace when {@code ns} is null. */
  public Reply<List<Trigger>> triggers(String ns) {
    return list(
        http.get(ns == null ? "/v1/triggers" : "/v1/namespaces/" + ns + "/triggers"),
        Trigger.class);
  }

  public JsonNode deleteTrigger(String ns, String name) {
    return http.delete("/v1/namespaces/" + ns + "/triggers/" + name).json();
  }
}
