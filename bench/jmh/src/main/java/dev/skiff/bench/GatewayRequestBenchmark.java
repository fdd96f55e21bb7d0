package dev.skiff.bench;

import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.ServiceSpec;
import dev.skiff.api.model.ServiceStatus;
import dev.skiff.api.model.TrafficTarget;
import dev.skiff.api.watch.ResourceEvent;
import dev.skiff.gateway.Gateway;
import dev.skiff.gateway.spi.Endpoint;
import dev.skiff.gateway.spi.EndpointSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the gateway's request handling costs, round trip over loopback in one JVM: a GET of a
 * 14-byte answer from a plain Vert.x backend, direct ({@link #direct}) and through a real gateway
 * ({@link #throughGateway}: the whole pipeline, from route lookup by Host among {@code services}
 * routes, weighted revision choice and endpoint choice to forwarding headers and the streamed
 * relay), one request at a time on one kept-alive connection each. The difference is the gateway's
 * hop; the route table's size shows what route lookup adds as it grows.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class GatewayRequestBenchmark {
  private static final String NS = "default";
  private static final String BODY = "Hello, world!\n";

  /** How many services the route table holds; requests go to each in turn. */
  @Param({"1", "1000"})
  public int services;

  private Vertx vertx;
  private HttpServer backend;
  private Gateway gateway;
  private HttpClientAgent client;
  private RequestOptions gatewayAt;
  private HostAndPort[] hosts;
  private RequestOptions toBackend;
  private Context context;
  private int next;

  @Setup(Level.Trial)
  public void start() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
    backend =
        await(
            vertx
                .createHttpServer()
                .requestHandler(req -> req.response().end(BODY))
                .listen(0, "127.0.0.1"));
    Endpoint endpoint = new Endpoint("127.0.0.1", backend.actualPort());
    gateway =
        Gateway.builder()
            .withVertx(vertx)
            .withDomain("localhost")
            .withEndpoints(everyRevisionAt(endpoint))
            .withMeterRegistry(new SimpleMeterRegistry())
            .withServerInstances(1)
            .build();
    await(gateway.start("127.0.0.1", 0));
    hosts = new HostAndPort[services];
    for (int i = 0; i < services; i++) {
      String name = "svc-" + i;
      gateway.onResourceEvent(put(service(name, name + "-00001"), i + 1));
      hosts[i] = HostAndPort.create(name + "." + NS + ".localhost", gateway.actualPort());
    }
    gatewayAt = get(gateway.actualPort());
    toBackend = get(backend.actualPort());
    client =
        vertx
            .httpClientBuilder()
            .with(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true))
            .with(new PoolOptions().setHttp1MaxSize(1))
            .build();
    for (HostAndPort host : hosts) {
      check(gatewayAt, host); // every route answers before anything is measured
    }
    check(toBackend, null);
  }

  @TearDown(Level.Trial)
  public void stop() {
    await(client.close());
    await(gateway.close());
    await(backend.close());
    await(vertx.close());
  }

  @Benchmark
  public Buffer direct() {
    return call(toBackend, null);
  }

  @Benchmark
  public Buffer throughGateway() {
    HostAndPort host = hosts[next];
    next = next + 1 == hosts.length ? 0 : next + 1;
    return call(gatewayAt, host);
  }

  private void check(RequestOptions r, HostAndPort host) {
    String body = call(r, host).toString();
    if (!body.equals(BODY)) {
      throw new IllegalStateException(host + " answered " + body);
    }
  }

  /**
   * One GET on the client's one connection to {@code r}'s server, with {@code host} as its Host
   * (null: the server's address). The Host is set on the request, not in the options, which would
   * make the client pool a connection per host.
   */
  private Buffer call(RequestOptions r, HostAndPort host) {
    Promise<Buffer> body = Promise.promise();
    // On the event loop throughout: a response handled from the benchmark's thread could lose its
    // body to the event loop delivering it first.
    context.runOnContext(v -> exchange(r, host).onComplete(body));
    return await(body.future());
  }

  private Future<Buffer> exchange(RequestOptions r, HostAndPort host) {
    return client
        .request(r)
        .compose(
            req -> {
              if (host != null) {
                req.authority(host);
              }
              return req.send();
            })
        .compose(
            (HttpClientResponse resp) ->
                resp.statusCode() == 200
                    ? resp.body()
                    : Future.failedFuture(
                        new IllegalStateException(host + " answered " + resp.statusCode())));
  }

  private static RequestOptions get(int port) {
    return new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setHost("127.0.0.1")
        .setPort(port)
        .setURI("/");
  }

  /** Every revision has one ready endpoint, {@code endpoint}. */
  private static EndpointSource everyRevisionAt(Endpoint endpoint) {
    List<Endpoint> ready = List.of(endpoint);
    return new EndpointSource() {
      @Override
      public List<Endpoint> ready(String namespace, String revision) {
        return ready;
      }

      @Override
      public Future<List<Endpoint>> awaitReady(
          String namespace, String revision, Duration timeout) {
        return Future.succeededFuture(ready);
      }
    };
  }

  /** A service as the control plane publishes it: all traffic to one resolved revision. */
  private static Service service(String name, String revision) {
    RevisionTemplate template =
        new RevisionTemplate("127.0.0.1:5000/fn:1", null, null, null, null, null, null, null);
    List<TrafficTarget> traffic = List.of(TrafficTarget.revision(revision, 100));
    return Service.of(ObjectMeta.of(NS, name), new ServiceSpec(template, traffic))
        .withStatus(new ServiceStatus(1L, revision, revision, null, traffic, null));
  }

  private static ResourceEvent put(Service s, long storeRevision) {
    return new ResourceEvent(
        ResourceEvent.Type.PUT,
        Service.KIND,
        "/skiff/services/" + NS + "/" + s.metadata().name(),
        storeRevision,
        Json.mapper().valueToTree(s));
  }

  private static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(e);
    }
  }
}
