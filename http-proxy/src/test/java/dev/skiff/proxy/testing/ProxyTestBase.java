package dev.skiff.proxy.testing;

import static dev.skiff.proxy.testing.Await.await;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * The common ground of tests that run a real proxy component: one Vert.x per test class, a fresh
 * meter registry per test that records which meters asked for a percentile histogram, HTTP/1.1 and
 * h2c clients, and whole-response reads. Subclasses start their component in their own
 * {@code @BeforeEach} (which runs after this class's) and call {@link #closeClients()} when they
 * stop it.
 */
public abstract class ProxyTestBase {

  /** A response read whole. */
  public record Response(int status, MultiMap headers, Buffer body, HttpVersion version) {
    public String header(String name) {
      return headers.get(name);
    }
  }

  protected static Vertx vertx;
  protected SimpleMeterRegistry registry;
  protected final Set<Meter.Id> histogramMeters = ConcurrentHashMap.newKeySet();
  protected final List<HttpClient> clients = new ArrayList<>();
  private final int poolSize;

  /**
   * @param poolSize the connection pool size of each client {@link #client} makes
   */
  protected ProxyTestBase(int poolSize) {
    this.poolSize = poolSize;
  }

  @BeforeAll
  public static void startVertx() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  public static void stopVertx() {
    await(vertx.close());
  }

  @BeforeEach
  public void recordingRegistry() {
    registry = new SimpleMeterRegistry();
    // SimpleMeterRegistry ignores percentile histograms; record which meters asked for one.
    registry
        .config()
        .meterFilter(
            new MeterFilter() {
              @Override
              public DistributionStatisticConfig configure(
                  Meter.Id id, DistributionStatisticConfig config) {
                if (Boolean.TRUE.equals(config.isPercentileHistogram())) {
                  histogramMeters.add(id);
                }
                return config;
              }
            });
  }

  /** A client closed by {@link #closeClients()}. */
  public HttpClient client(HttpClientOptions options) {
    HttpClient c =
        vertx
            .httpClientBuilder()
            .with(options)
            .with(new PoolOptions().setHttp1MaxSize(poolSize))
            .build();
    clients.add(c);
    return c;
  }

  public HttpClient h2PriorKnowledge() {
    return client(
        new HttpClientOptions()
            .setProtocolVersion(HttpVersion.HTTP_2)
            .setHttp2ClearTextUpgrade(false));
  }

  public void closeClients() {
    clients.forEach(c -> await(c.close()));
    clients.clear();
  }

  /**
   * Sends {@code body} (or none) and reads the whole response. The response is read inside the
   * request's compose: chained after it instead, a call from a test thread races the response's
   * events and may read an empty body (eclipse-vertx/vert.x#4705).
   */
  public static Future<Response> exchange(HttpClient client, RequestOptions options, Buffer body) {
    return client
        .request(options)
        .compose(req -> (body == null ? req.send() : req.send(body)).compose(ProxyTestBase::read));
  }

  public static Future<Response> read(HttpClientResponse res) {
    return res.body().map(b -> new Response(res.statusCode(), res.headers(), b, res.version()));
  }

  /** Sends {@code body} in chunks of {@code chunk} bytes, without a Content-Length. */
  public static Future<Response> streamed(
      HttpClient client, RequestOptions options, Buffer body, int chunk) {
    return client
        .request(options)
        .compose(
            (HttpClientRequest req) -> {
              req.setChunked(true);
              for (int i = 0; i < body.length(); i += chunk) {
                req.write(body.slice(i, Math.min(body.length(), i + chunk)));
              }
              req.end();
              return req.response().compose(ProxyTestBase::read);
            });
  }
}
