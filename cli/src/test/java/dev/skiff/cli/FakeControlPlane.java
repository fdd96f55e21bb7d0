package dev.skiff.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.manifest.Manifests;
import dev.skiff.api.model.Condition;
import dev.skiff.api.model.Node;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionSpec;
import dev.skiff.api.model.RevisionStatus;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.ScalingSettings;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.api.model.Trigger;
import dev.skiff.api.validation.Durations;
import dev.skiff.api.validation.FieldError;
import dev.skiff.api.validation.ResourceValidator;
import dev.skiff.api.validation.ValidationException;
import dev.skiff.cli.internal.WireJson;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An in-memory control plane following docs/rest-api.md, enough to drive the CLI end to end. A
 * revision turns Ready after {@link #readyAfterPolls} reads of it, as if a node started it; a
 * template with env {@code FAIL} turns Ready False, one with env {@code HANG} never turns ready.
 *
 * <p>Instances: a new revision's status has no counts, as the real control plane writes it. Its
 * first read wants its start scale (initial-scale, at least min-scale, at most max-scale) with none
 * ready; once Ready, that many are. {@link #instances} then plays the autoscaler.
 *
 * <p>Logs: {@link #log} stores lines that {@code GET .../logs} answers with. With {@code
 * follow=true} the answer then stays open and carries each line a test {@link #emit}s, as it is
 * emitted, until {@link #endFollow} closes it.
 */
final class FakeControlPlane implements AutoCloseable {
  private static final Pattern SERVICES = Pattern.compile("/v1/namespaces/([^/]+)/services");
  private static final Pattern SERVICE = Pattern.compile("/v1/namespaces/([^/]+)/services/([^/]+)");
  private static final Pattern TRAFFIC =
      Pattern.compile("/v1/namespaces/([^/]+)/services/([^/]+)/traffic");
  private static final Pattern REVISIONS = Pattern.compile("/v1/namespaces/([^/]+)/revisions");
  private static final Pattern REVISION =
      Pattern.compile("/v1/namespaces/([^/]+)/revisions/([^/]+)");
  private static final Pattern TRIGGER = Pattern.compile("/v1/namespaces/([^/]+)/triggers/([^/]+)");
  private static final Pattern NODE = Pattern.compile("/v1/nodes/([^/]+)");
  private static final Pattern LOGS =
      Pattern.compile("/v1/namespaces/([^/]+)/services/([^/]+)/logs");
  private static final Object END_OF_FOLLOW = new Object();

  /** Every request as {@code METHOD /path}, in order. */
  final List<String> requests = new CopyOnWriteArrayList<>();

  /** The query string of every logs request, decoded, in order. */
  final List<String> logQueries = new CopyOnWriteArrayList<>();

  volatile int readyAfterPolls = 2;

  /** How many service answers still name the revision before, once a revision is ready. */
  volatile int serviceStatusLag;

  /** How many of the next service PUTs answer 409, as if another writer got in first. */
  volatile int staleWrites;

  /** When not 0, the logs endpoint answers this status with an error, whatever was asked. */
  volatile int logsStatus;

  private final HttpServer server;
  private final ExecutorService handlers;
  private final Map<String, List<ObjectNode>> logs = new LinkedHashMap<>();
  private final BlockingQueue<Object> live = new LinkedBlockingQueue<>();
  private final CountDownLatch followerGone = new CountDownLatch(1);
  private final Map<String, Service> services = new LinkedHashMap<>();
  private final Map<String, Rev> revisions = new LinkedHashMap<>();
  private final Map<String, Integer> revisionCounters = new LinkedHashMap<>();
  private final Map<String, JsonNode> others = new LinkedHashMap<>();
  private long storeRevision;

  private static final class Rev {
    Revision revision;
    int polls;
    int serviceAnswersSinceReady;

    Rev(Revision r) {
      this.revision = r;
    }
  }

  private static final class HttpError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;
    final transient List<FieldError> details;
    final String hint;

    HttpError(int status, String error, List<FieldError> details, String hint) {
      super(error);
      this.status = status;
      this.details = details;
      this.hint = hint;
    }
  }

  private FakeControlPlane(HttpServer server, ExecutorService handlers) {
    this.server = server;
    this.handlers = handlers;
  }

  static {
    // The JDK server otherwise leaves Nagle on, so every answer on a kept-alive connection waits
    // ~40 ms for a delayed ACK. Read once, when the first server in the JVM starts.
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  static FakeControlPlane start() throws IOException {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    // A thread per exchange: a follow holds its exchange open while other requests go on.
    ExecutorService handlers =
        Executors.newCachedThreadPool(
            task -> {
              Thread t = new Thread(task, "fake-control-plane");
              t.setDaemon(true);
              return t;
            });
    s.setExecutor(handlers);
    FakeControlPlane fake = new FakeControlPlane(s, handlers);
    s.createContext("/", fake::handle);
    s.start();
    return fake;
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    handlers.shutdownNow(); // ends a follow still waiting for lines
  }

  private void handle(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod();
    String path = ex.getRequestURI().getPath();
    String query = ex.getRequestURI().getQuery();
    requests.add(method + " " + path);
    Matcher logsPath = LOGS.matcher(path);
    if (logsPath.matches() && method.equals("GET")) {
      logs(ex, logsPath.group(1), logsPath.group(2), query);
      return;
    }
    byte[] body = ex.getRequestBody().readAllBytes();
    int status = 200;
    Object answer;
    try {
      synchronized (this) {
        Reply r = route(method, path, query, body);
        status = r.status;
        answer = r.body;
      }
    } catch (HttpError e) {
      status = e.status;
      ObjectNode err = Json.mapper().createObjectNode().put("error", e.getMessage());
      err.set("details", Json.mapper().valueToTree(e.details));
      if (e.hint != null) {
        err.put("hint", e.hint);
      }
      answer = err;
    } catch (ValidationException e) {
      status =
          path.equals("/v1/blobs") ? 422 : e.getMessage().contains("unknown field") ? 400 : 422;
      ObjectNode err = Json.mapper().createObjectNode().put("error", e.getMessage());
      err.set("details", Json.mapper().valueToTree(e.errors()));
      err.put("hint", "fix the fields listed in details and send the manifest again");
      answer = err;
    } catch (RuntimeException e) {
      status = 500;
      answer = Json.mapper().createObjectNode().put("error", "fake control plane failed: " + e);
    }
    respond(ex, status, answer);
  }

  private static void respond(HttpExchange ex, int status, Object answer) throws IOException {
    // WireJson: answers as a control plane with api's derived accessors fixed would send them.
    byte[] out = WireJson.write(answer).getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, out.length);
    ex.getResponseBody().write(out);
    ex.close();
  }

  /** As node-runtime's LogsEndpoint: filter by revision, since and tail, then maybe follow. */
  private void logs(HttpExchange ex, String ns, String name, String query) throws IOException {
    logQueries.add(query == null ? "" : query);
    Map<String, String> q = new LinkedHashMap<>();
    if (query != null) {
      for (String kv : query.split("&")) {
        int eq = kv.indexOf('=');
        q.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
      }
    }
    if (logsStatus != 0) {
      respond(ex, logsStatus, error("logs are not available"));
      return;
    }
    String revision = q.get("revision");
    List<ObjectNode> backlog;
    synchronized (this) {
      if (!services.containsKey(ns + "/" + name)) {
        respond(ex, 404, error("service " + ns + "/" + name + " not found"));
        return;
      }
      Instant since;
      try {
        since = since(q.get("since"));
      } catch (IllegalArgumentException e) {
        respond(ex, 400, error("since: " + e.getMessage()));
        return;
      }
      List<ObjectNode> matching = new ArrayList<>();
      for (ObjectNode l : logs.getOrDefault(ns + "/" + name, List.of())) {
        if ((revision == null || revision.equals(l.get("revision").asText()))
            && (since == null || !Instant.parse(l.get("time").asText()).isBefore(since))) {
          matching.add(l);
        }
      }
      int tail = q.containsKey("tail") ? Integer.parseInt(q.get("tail")) : matching.size();
      backlog = matching.subList(Math.max(0, matching.size() - tail), matching.size());
    }
    ex.getResponseHeaders().set("Content-Type", "application/x-ndjson");
    ex.sendResponseHeaders(200, 0); // chunked
    OutputStream body = ex.getResponseBody();
    try {
      for (ObjectNode l : backlog) {
        writeLine(body, l);
      }
      if ("true".equals(q.get("follow"))) {
        for (Object next = live.take(); next != END_OF_FOLLOW; next = live.take()) {
          ObjectNode l = (ObjectNode) next;
          if (revision == null || revision.equals(l.get("revision").asText())) {
            writeLine(body, l);
          }
        }
      }
    } catch (IOException e) {
      followerGone.countDown(); // the client went away while following
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // closing the fake
    } finally {
      ex.close();
    }
  }

  private static void writeLine(OutputStream body, ObjectNode line) throws IOException {
    body.write((Json.write(line) + "\n").getBytes(StandardCharsets.UTF_8));
    body.flush(); // one chunk per line, sent now
  }

  private static Instant since(String s) {
    if (s == null || s.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      return Instant.now().minus(Durations.parse(s));
    }
  }

  private static ObjectNode error(String message) {
    ObjectNode err = Json.mapper().createObjectNode().put("error", message);
    err.putArray("details");
    return err;
  }

  /** A log line as the control plane sends it. */
  static ObjectNode logLine(Instant time, String revision, String stream, String line) {
    return Json.mapper()
        .createObjectNode()
        .put("time", time.toString())
        .put("revision", revision)
        .put("instance", "default." + revision + ".1")
        .put("stream", stream)
        .put("line", line);
  }

  /** Test helper: stores a line of service {@code default/name}. */
  void log(String name, ObjectNode line) {
    synchronized (this) {
      logs.computeIfAbsent("default/" + name, k -> new ArrayList<>()).add(line);
    }
  }

  /** Test helper: sends a line to the open follow (or to the next one). */
  void emit(ObjectNode line) {
    live.add(line);
  }

  /** Test helper: ends the open follow (or the next one) after the lines emitted before. */
  void endFollow() {
    live.add(END_OF_FOLLOW);
  }

  /**
   * Test helper: whether the follower's connection turned out closed within {@code timeout}. Only a
   * write finds that out, so this keeps emitting probe lines meanwhile.
   */
  boolean followerGone(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      emit(logLine(Instant.now(), "probe-00001", "stdout", "probe"));
      if (followerGone.await(20, TimeUnit.MILLISECONDS)) {
        return true;
      }
    }
    return false;
  }

  private record Reply(int status, Object body) {}

  private Reply route(String method, String path, String query, byte[] body) {
    Matcher m;
    if (path.equals("/v1/blobs") && method.equals("POST")) {
      return new Reply(201, blob(body));
    } else if (path.equals("/v1/services") && method.equals("GET")) {
      return new Reply(200, items(services.values().stream().map(this::withStatus).toList()));
    } else if ((m = SERVICES.matcher(path)).matches()) {
      if (method.equals("GET")) {
        String ns = m.group(1);
        return new Reply(
            200,
            items(
                services.values().stream()
                    .filter(s -> s.metadata().namespace().equals(ns))
                    .map(this::withStatus)
                    .toList()));
      } else if (method.equals("POST")) {
        Service s = Manifests.parseAs(body, Service.class);
        return new Reply(201, withStatus(write(m.group(1), s, true)));
      }
    } else if ((m = TRAFFIC.matcher(path)).matches() && method.equals("PUT")) {
      return new Reply(200, withStatus(traffic(m.group(1), m.group(2), body)));
    } else if ((m = SERVICE.matcher(path)).matches()) {
      String key = m.group(1) + "/" + m.group(2);
      switch (method) {
        case "GET":
          return new Reply(200, withStatus(service(key)));
        case "PUT":
          if (staleWrites > 0) {
            staleWrites--;
            throw new HttpError(409, "resourceVersion is stale", List.of(), "read it again");
          }
          Service s = Manifests.parseAs(body, Service.class);
          boolean exists = services.containsKey(key);
          return new Reply(exists ? 200 : 201, withStatus(write(m.group(1), s, false)));
        case "DELETE":
          service(key);
          services.remove(key);
          revisions
              .values()
              .removeIf(r -> key.equals(ns(r.revision) + "/" + r.revision.spec().service()));
          return new Reply(200, Json.mapper().createObjectNode().put("deleted", m.group(2)));
        default:
          break;
      }
    } else if (path.equals("/v1/revisions") && method.equals("GET")) {
      return new Reply(200, items(revisionsWhere(r -> true)));
    } else if ((m = REVISIONS.matcher(path)).matches() && method.equals("GET")) {
      String ns = m.group(1);
      String only =
          query != null && query.startsWith("service=")
              ? query.substring("service=".length())
              : null;
      return new Reply(
          200,
          items(
              revisionsWhere(
                  r -> ns(r).equals(ns) && (only == null || only.equals(r.spec().service())))));
    } else if ((m = REVISION.matcher(path)).matches()) {
      String key = m.group(1) + "/" + m.group(2);
      Rev r = revisions.get(key);
      if (r == null) {
        throw new HttpError(404, "revision " + m.group(2) + " not found", List.of(), null);
      }
      if (method.equals("GET")) {
        poll(r);
        return new Reply(200, r.revision);
      } else if (method.equals("DELETE")) {
        String name = m.group(2);
        Service owner = withStatus(services.get(m.group(1) + "/" + r.revision.spec().service()));
        boolean routed =
            owner.status().traffic().stream().anyMatch(t -> name.equals(t.revisionName()))
                || owner.spec().traffic().stream().anyMatch(t -> name.equals(t.revisionName()));
        if (routed) {
          throw new HttpError(
              409,
              "revision " + name + " still receives traffic",
              List.of(),
              "move its traffic and tags first: skiff traffic " + owner.metadata().name() + " ...");
        }
        revisions.remove(key);
        return new Reply(200, Json.mapper().createObjectNode().put("deleted", m.group(2)));
      }
    } else if ((m = TRIGGER.matcher(path)).matches() && method.equals("PUT")) {
      Trigger t = Manifests.parseAs(body, Trigger.class);
      return other("trigger/" + m.group(1) + "/" + m.group(2), Json.mapper().valueToTree(t));
    } else if ((m = NODE.matcher(path)).matches() && method.equals("PUT")) {
      Node n = Manifests.parseAs(body, Node.class);
      return other("node/" + m.group(1), Json.mapper().valueToTree(n));
    }
    throw new HttpError(404, "no route for " + method + " " + path, List.of(), null);
  }

  /** As the control plane lists them: by namespace, then service, then number. */
  private List<Revision> revisionsWhere(Predicate<Revision> filter) {
    return revisions.values().stream()
        .map(r -> r.revision)
        .filter(filter)
        .sorted(
            Comparator.comparing(FakeControlPlane::ns)
                .thenComparing(r -> r.spec().service())
                .thenComparingInt(r -> r.spec().number()))
        .toList();
  }

  private Reply other(String key, JsonNode value) {
    boolean created = others.put(key, value) == null;
    return new Reply(created ? 201 : 200, value);
  }

  private static ObjectNode items(List<?> list) {
    ObjectNode o = Json.mapper().createObjectNode();
    o.set("items", WireJson.tree(list));
    return o;
  }

  private static ObjectNode blob(byte[] body) {
    if (body.length < 8 || body[0] != 0 || body[1] != 'a' || body[2] != 's' || body[3] != 'm') {
      throw new HttpError(
          422,
          "not a valid Wasm module: bad magic number",
          List.of(),
          "compile to wasm32-wasi and upload the .wasm file");
    }
    try {
      String hex = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
      return Json.mapper()
          .createObjectNode()
          .put("digest", "sha256:" + hex)
          .put("size", body.length);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private Service service(String key) {
    Service s = services.get(key);
    if (s == null) {
      throw new HttpError(
          404, "service " + key + " not found", List.of(), "list services with: skiff list");
    }
    return s;
  }

  private Service write(String ns, Service in, boolean create) {
    in = in.withMetadata(in.metadata().withNamespace(ns));
    ResourceValidator.validate(in);
    String key = ns + "/" + in.metadata().name();
    Service old = services.get(key);
    if (create && old != null) {
      throw new HttpError(
          409, "service " + key + " already exists", List.of(), "use PUT to update it");
    }
    Long rv = in.metadata().resourceVersion();
    if (old != null && rv != null && !rv.equals(old.metadata().resourceVersion())) {
      throw new HttpError(
          409, "resourceVersion " + rv + " is stale", List.of(), "read the service again");
    }
    checkTrafficNames(ns, in.metadata().name(), in.spec().traffic());
    RevisionTemplate effective = effectiveTemplate(in);
    boolean templateChanged = old == null || !effective.equals(effectiveTemplate(old));
    boolean specChanged = old == null || !Objects.equals(old.spec(), in.spec());
    long generation = old == null ? 1 : old.metadata().generation() + (specChanged ? 1 : 0);
    ObjectMeta meta =
        new ObjectMeta(
            in.metadata().name(),
            ns,
            ++storeRevision,
            generation,
            old == null ? UUID.randomUUID().toString() : old.metadata().uid(),
            old == null ? Instant.now() : old.metadata().createdAt(),
            in.metadata().labels(),
            in.metadata().annotations());
    Service stored = Service.of(meta, in.spec());
    services.put(key, stored);
    if (templateChanged) {
      int n = revisionCounters.merge(key, 1, Integer::sum);
      String name = Revision.nameFor(in.metadata().name(), n);
      Revision r =
          Revision.of(
                  new ObjectMeta(name, ns, storeRevision, 1L, null, Instant.now(), null, null),
                  new RevisionSpec(in.metadata().name(), n, effective))
              .withStatus(
                  new RevisionStatus(
                      null,
                      null,
                      null,
                      List.of(
                          new Condition(
                              "Ready",
                              "Unknown",
                              "Deploying",
                              "no node has reported it ready yet",
                              Instant.now()))));
      revisions.put(ns + "/" + name, new Rev(r));
    }
    return stored;
  }

  /** As the control plane: the template plus the service-level autoscaling annotations. */
  private static RevisionTemplate effectiveTemplate(Service s) {
    Map<String, String> merged = new HashMap<>();
    s.metadata()
        .annotations()
        .forEach(
            (k, v) -> {
              if (k.startsWith(ScalingSettings.PREFIX)) {
                merged.put(k, v);
              }
            });
    merged.putAll(s.spec().template().annotations());
    return s.spec().template().withAnnotations(merged);
  }

  private Service traffic(String ns, String name, byte[] body) {
    String key = ns + "/" + name;
    Service old = service(key);
    JsonNode req;
    try {
      req = Json.mapper().readTree(body);
    } catch (IOException e) {
      throw new HttpError(400, "body is not JSON", List.of(), null);
    }
    List<TrafficTarget> traffic =
        Json.mapper()
            .convertValue(req.path("traffic"), new TypeReference<List<TrafficTarget>>() {});
    if (req.hasNonNull("resourceVersion")
        && req.get("resourceVersion").asLong() != old.metadata().resourceVersion()) {
      throw new HttpError(409, "resourceVersion is stale", List.of(), "read the service again");
    }
    Service updated = old.withSpec(new ServiceSpec(old.spec().template(), traffic));
    ResourceValidator.validate(updated);
    checkTrafficNames(ns, name, traffic);
    ObjectMeta meta =
        old.metadata()
            .withResourceVersion(++storeRevision)
            .withGeneration(old.metadata().generation() + 1);
    Service stored = updated.withMetadata(meta);
    services.put(key, stored);
    return stored;
  }

  private void checkTrafficNames(String ns, String service, List<TrafficTarget> traffic) {
    List<FieldError> problems = new ArrayList<>();
    for (int i = 0; i < traffic.size(); i++) {
      String rev = traffic.get(i).revisionName();
      Rev r = rev == null ? null : revisions.get(ns + "/" + rev);
      if (rev != null && (r == null || !service.equals(r.revision.spec().service()))) {
        problems.add(
            new FieldError(
                "spec.traffic[" + i + "].revisionName",
                "revision " + rev + " does not exist or is not " + service + "'s",
                "list them with: skiff revisions " + service));
      }
    }
    if (!problems.isEmpty()) {
      throw new HttpError(
          422, "traffic names unknown revisions", problems, "name revisions of this service");
    }
  }

  private void poll(Rev r) {
    RevisionStatus st = r.revision.status();
    if (st != null
        && !st.conditions().isEmpty()
        && !"Unknown".equals(st.conditions().get(0).status())) {
      return;
    }
    r.polls++;
    RevisionTemplate t = r.revision.spec().template();
    Map<String, String> env = t.env();
    int start = startScale(ScalingSettings.from(t.annotations()));
    Condition c;
    int ready = 0;
    if (env.containsKey("FAIL")) {
      c =
          new Condition(
              "Ready", "False", "ExitCode", "the module exited with status 1", Instant.now());
    } else if (env.containsKey("HANG") || r.polls < readyAfterPolls) {
      c = new Condition("Ready", "Unknown", "Starting", "waiting for an instance", Instant.now());
    } else {
      c = Condition.ready(true, null, null, Instant.now());
      ready = start;
    }
    r.revision = r.revision.withStatus(new RevisionStatus(null, start, ready, List.of(c)));
  }

  /** The instances a new revision starts with, as the KPA decides them. */
  private static int startScale(ScalingSettings s) {
    int n = Math.max(s.initialScale(), s.minScale());
    return s.maxScale() > 0 ? Math.min(n, s.maxScale()) : n;
  }

  /** Test helper: the autoscaler's word on revision {@code default/name}, e.g. 0/0 when idle. */
  void instances(String name, int ready, int desired) {
    synchronized (this) {
      Rev r = revisions.get("default/" + name);
      RevisionStatus st = r.revision.status();
      r.revision =
          r.revision.withStatus(
              new RevisionStatus(st.imageDigest(), desired, ready, st.conditions()));
    }
  }

  /** Test helper: the template the fake made revision {@code default/name} from. */
  RevisionTemplate revisionTemplate(String name) {
    synchronized (this) {
      return revisions.get("default/" + name).revision.spec().template();
    }
  }

  private Service withStatus(Service s) {
    String ns = s.metadata().namespace();
    String name = s.metadata().name();
    List<Revision> mine =
        revisions.values().stream()
            .map(r -> r.revision)
            .filter(r -> ns(r).equals(ns) && r.spec().service().equals(name))
            .sorted(Comparator.comparingInt(r -> r.spec().number()))
            .toList();
    String latestCreated = mine.isEmpty() ? null : mine.get(mine.size() - 1).metadata().name();
    String latestReady =
        revisions.values().stream()
            .filter(r -> mine.contains(r.revision) && readyForService(r))
            .map(r -> r.revision)
            .max(Comparator.comparingInt(r -> r.spec().number()))
            .map(r -> r.metadata().name())
            .orElse(null);
    List<TrafficTarget> resolved = new ArrayList<>();
    List<TrafficTarget> spec =
        s.spec().traffic().isEmpty() ? List.of(TrafficTarget.latest(100)) : s.spec().traffic();
    for (TrafficTarget t : spec) {
      resolved.add(t.isLatest() ? new TrafficTarget(latestReady, true, t.percent(), t.tag()) : t);
    }
    Condition ready =
        Condition.ready(
            latestReady != null,
            latestReady == null ? "RevisionMissing" : null,
            null,
            Instant.now());
    return s.withStatus(
        new ServiceStatus(
            s.metadata().generation(),
            latestCreated,
            latestReady,
            "http://" + name + "." + ns + ".localhost",
            latestReady == null ? List.of() : resolved,
            List.of(ready)));
  }

  /**
   * Whether the service's status counts the revision as ready: {@link #serviceStatusLag} answers
   * after the revision itself turned ready, as the real control plane writes the two one after the
   * other.
   */
  private boolean readyForService(Rev r) {
    if (r.revision.status() == null
        || r.revision.status().conditions().stream().noneMatch(Condition::isTrue)) {
      return false;
    }
    return r.serviceAnswersSinceReady++ >= serviceStatusLag;
  }

  private static String ns(Revision r) {
    return r.metadata().namespace();
  }

  /** Test helper: the JSON tree the fake holds for a trigger or node. */
  JsonNode other(String key) {
    synchronized (this) {
      return others.get(key);
    }
  }

  /** Test helper: the stored service's spec.traffic. */
  List<TrafficTarget> specTraffic(String ns, String name) {
    synchronized (this) {
      return services.get(ns + "/" + name).spec().traffic();
    }
  }
}
