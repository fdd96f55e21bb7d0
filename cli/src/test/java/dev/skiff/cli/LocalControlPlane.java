package dev.skiff.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.Trigger;
import dev.skiff.controlplane.ControlPlane;
import dev.skiff.controlplane.EmbeddedStore;
import dev.skiff.node.RestStatusReporter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The real control plane in process, as skiffd runs it: the embedded store in a temp directory, the
 * REST API on a free loopback port behind a known admin token, and node-runtime's logs endpoint
 * beside it. Starts in milliseconds. Around it, only what a control plane cannot do alone:
 *
 * <ul>
 *   <li>{@link #node}: reports revisions ready as a node would (none runs in process);
 *   <li>{@link #logs}: the node's log lines, and ending a follow;
 *   <li>{@link #instancesEndpoint}: a stand-in for the node's {@code GET /v1/instances} (see {@link
 *       StandInInstancesEndpoint});
 *   <li>{@link #concurrentWrites}: another client writing a service just before the CLI does;
 *   <li>{@link #requests}: what the CLI sent, to assert on what it did not send.
 * </ul>
 */
final class LocalControlPlane implements AutoCloseable {
  /** The admin token; {@link CliRunner#against(LocalControlPlane)} gives it to the CLI. */
  static final String ADMIN_TOKEN = "skiff_cli-test-admin-token";

  /** Marks the requests this class makes itself, which {@link #requests} leaves out. */
  private static final String HELPER_HEADER = "X-Skiff-Test-Helper";

  private static final Pattern SERVICE_PUT = Pattern.compile("/v1/namespaces/[^/]+/services/[^/]+");

  /** Every request the CLI sent, as {@code METHOD /path}, in order. */
  final List<String> requests = new CopyOnWriteArrayList<>();

  /** How many of the next service PUTs another writer gets in before, making them stale (409). */
  final AtomicInteger concurrentWrites = new AtomicInteger();

  final StandInNode node;
  final ServiceLogs logs = new ServiceLogs();
  final StandInInstancesEndpoint instancesEndpoint = new StandInInstancesEndpoint();

  private final Path dir;
  private final Vertx vertx;
  private final LaggingStore store;
  private final ControlPlane cp;
  private final HttpClient client;
  private boolean closed;

  private LocalControlPlane(Path dir, Vertx vertx, LaggingStore store, boolean serveLogs) {
    this.dir = dir;
    this.vertx = vertx;
    this.store = store;
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true));
    this.cp =
        ControlPlane.builder()
            .withVertx(vertx)
            .withStore(store)
            .withBlobDir(dir.resolve("blobs"))
            .withAdminToken(ADMIN_TOKEN)
            .withPort(0)
            .build();
    cp.router().route().order(-1).handler(this::intercept);
    if (serveLogs) {
      cp.router().get(ServiceLogs.PATH).handler(logs.route());
      cp.router().get(StandInInstancesEndpoint.PATH).handler(instancesEndpoint.route());
    }
    this.node =
        new StandInNode(
            new RestStatusReporter(
                vertx, new HttpClientOptions(), "127.0.0.1", cp::actualPort, cp.systemToken()),
            store,
            cp.events());
    await(cp.start());
    await(cp.follow(node::onEvent));
  }

  /** A control plane with the logs endpoint, as skiffd serves it. */
  static LocalControlPlane start() throws IOException {
    return start(true);
  }

  /**
   * @param serveLogs false for a control plane with no node beside it: it has no logs route
   */
  static LocalControlPlane start(boolean serveLogs) throws IOException {
    // On tmpfs where there is one: the store fsyncs every write before answering, and on a busy
    // disk that, not the CLI, would be most of these tests' time.
    Path shm = Path.of("/dev/shm");
    Path dir =
        Files.isDirectory(shm) && Files.isWritable(shm)
            ? Files.createTempDirectory(shm, "skiff-cli-test")
            : Files.createTempDirectory("skiff-cli-test");
    Vertx vertx = Vertx.vertx();
    EmbeddedStore embedded =
        await(EmbeddedStore.builder().withDataDir(dir.resolve("store")).build().open());
    return new LocalControlPlane(dir, vertx, new LaggingStore(embedded), serveLogs);
  }

  String url() {
    return "http://127.0.0.1:" + cp.actualPort();
  }

  /** The values of secret NS/NAME as the node would read them, opened in process. */
  java.util.Map<String, String> secretValues(String ns, String name) {
    return await(cp.secretValues(ns, name))
        .orElseThrow(() -> new AssertionError("no secret " + ns + "/" + name));
  }

  /** Where the store, blobs and the secrets key live. */
  Path dataDir() {
    return dir;
  }

  /** The stored service NS/NAME, read in process. */
  Service service(String ns, String name) {
    return await(cp.services()).items().stream()
        .filter(s -> s.metadata().namespace().equals(ns) && s.metadata().name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no service " + ns + "/" + name));
  }

  /** The stored revision default/NAME, read in process. */
  Revision revision(String name) {
    return await(cp.revisions()).items().stream()
        .filter(r -> r.metadata().namespace().equals("default"))
        .filter(r -> r.metadata().name().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no revision default/" + name));
  }

  /** The stored trigger, if there is one. */
  Optional<Trigger> trigger(String ns, String name) {
    return await(cp.triggers()).items().stream()
        .filter(t -> t.metadata().namespace().equals(ns) && t.metadata().name().equals(name))
        .findFirst();
  }

  /** Writes a trigger's status as the eventing dispatcher does (the system's token), and waits. */
  void triggerStatus(String ns, String name, dev.skiff.api.model.TriggerStatus status) {
    RequestOptions o =
        new RequestOptions()
            .setMethod(HttpMethod.PUT)
            .setHost("127.0.0.1")
            .setPort(cp.actualPort())
            .setURI("/v1/namespaces/" + ns + "/triggers/" + name + "/status")
            .putHeader("Authorization", "Bearer " + cp.systemToken())
            .putHeader("Content-Type", "application/json");
    int code =
        await(
            client
                .request(o)
                .compose(r -> r.send(Buffer.buffer(Json.write(status))))
                .map(r -> r.statusCode()));
    if (code != 200) {
      throw new IllegalStateException("trigger status write answered " + code);
    }
  }

  /** Reports {@code ready} of {@code desired} instances of revision default/NAME, and waits. */
  void instances(String revision, int ready, int desired) {
    await(node.instances(revision(revision), ready, desired));
  }

  /** Whether a service write was held back by {@link StandInNode#lagServiceStatus}. */
  boolean serviceStatusLagged() {
    return store.lagged();
  }

  /**
   * Runs before every route: records the CLI's requests, and lets another writer in before a
   * service PUT while {@link #concurrentWrites} says so.
   */
  private void intercept(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    boolean mine = req.getHeader(HELPER_HEADER) != null;
    boolean system = ("Bearer " + cp.systemToken()).equals(req.getHeader("Authorization"));
    if (mine || system) {
      ctx.next();
      return;
    }
    requests.add(req.method().name() + " " + req.path());
    if (req.method() == HttpMethod.PUT
        && SERVICE_PUT.matcher(req.path()).matches()
        && concurrentWrites.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      req.pause(); // the API's guard resumes it once a route reads the body
      touch(req.path()).onComplete(ar -> ctx.next());
      return;
    }
    ctx.next();
  }

  /** Another client's write of the service at {@code path}: its traffic, unchanged. */
  private Future<Void> touch(String path) {
    return call(HttpMethod.GET, path, null)
        .compose(
            service -> {
              ObjectNode body = Json.mapper().createObjectNode();
              body.set("traffic", service.path("spec").path("traffic"));
              return call(HttpMethod.PUT, path + "/traffic", body);
            })
        .mapEmpty();
  }

  private Future<JsonNode> call(HttpMethod method, String path, JsonNode body) {
    RequestOptions o =
        new RequestOptions()
            .setMethod(method)
            .setHost("127.0.0.1")
            .setPort(cp.actualPort())
            .setURI(path)
            .putHeader("Authorization", "Bearer " + ADMIN_TOKEN)
            .putHeader("Content-Type", "application/json")
            .putHeader(HELPER_HEADER, "concurrent-writer");
    return client
        .request(o)
        .compose(r -> body == null ? r.send() : r.send(Buffer.buffer(Json.write(body))))
        .compose(
            resp ->
                resp.body()
                    .map(
                        b -> {
                          if (resp.statusCode() / 100 != 2) {
                            throw new IllegalStateException(
                                method + " " + path + " answered " + resp.statusCode() + ": " + b);
                          }
                          try {
                            return Json.mapper().readTree(b.toString());
                          } catch (IOException e) {
                            throw new UncheckedIOException(e);
                          }
                        }));
  }

  /** Stops the server and removes its files; again is a no-op. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      await(cp.stop());
      await(store.close());
      await(vertx.close()); // and with it the node's and the concurrent writer's clients
    } finally {
      deleteTree(dir);
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("in-process control plane call failed: " + e, e);
    }
  }
}
