package dev.skiff.server;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

/**
 * A paced load through the gateway: {@code rate} GET requests a second, spread round-robin over
 * several HTTP/1.1 keep-alive clients and over the given hosts, each request counted as a 200 or a
 * failure (another status, an error or no answer within 30 s). Not flat out: it sends what the
 * clock says is due every 10 ms.
 */
final class MeshLoad implements AutoCloseable {
  private static final int CLIENTS = 4;
  private static final int CONNECTIONS_PER_CLIENT = 4;
  private static final int KEPT_FAILURES = 10;

  /** What a run counted. */
  record Totals(
      long sent,
      long ok,
      long failed,
      double seconds,
      List<String> firstFailures,
      Map<String, Long> failureKinds) {}

  private final Vertx vertx = Vertx.vertx();
  private final List<HttpClient> clients = new ArrayList<>();
  private final int port;
  private final List<String> hosts;
  private final int rate;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong ok = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private final Map<String, LongAdder> kinds = new ConcurrentHashMap<>();
  private final long startedAt = System.nanoTime();
  private long timer;
  private long stoppedAt;

  private MeshLoad(int port, List<String> hosts, int rate) {
    this.port = port;
    this.hosts = hosts;
    this.rate = rate;
    for (int i = 0; i < CLIENTS; i++) {
      clients.add(
          vertx.createHttpClient(
              new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1).setKeepAlive(true),
              new PoolOptions().setHttp1MaxSize(CONNECTIONS_PER_CLIENT).setMaxWaitQueueSize(-1)));
    }
  }

  static MeshLoad start(int port, List<String> hosts, int rate) {
    MeshLoad load = new MeshLoad(port, hosts, rate);
    load.timer = load.vertx.setPeriodic(10, t -> load.tick());
    return load;
  }

  /** Requests answered so far, whatever the answer. */
  long answered() {
    return ok.get() + failed.get();
  }

  /** Sends the requests due by now (at most a second's worth at once, after a stall). */
  private void tick() {
    long due = (System.nanoTime() - startedAt) * rate / 1_000_000_000L;
    long behind = Math.min(due - sent.get(), rate);
    for (long i = 0; i < behind; i++) {
      send(sent.getAndIncrement());
    }
  }

  private void send(long n) {
    String host = hosts.get((int) (n % hosts.size()));
    HttpClient client = clients.get((int) (n / hosts.size() % CLIENTS));
    RequestOptions req =
        new RequestOptions()
            .setServer(SocketAddress.inetSocketAddress(port, "127.0.0.1"))
            .setMethod(HttpMethod.GET)
            .setHost(host)
            .setPort(port)
            .setURI("/?n=" + n)
            .setTimeout(30_000);
    long sentAt = System.nanoTime();
    client
        .request(req)
        .compose(r -> r.send())
        .compose(resp -> resp.body().map(body -> resp.statusCode() + " " + body))
        .onComplete(
            ar -> {
              if (ar.succeeded() && ar.result().startsWith("200 ")) {
                ok.incrementAndGet();
              } else {
                failed.incrementAndGet();
                String kind =
                    ar.succeeded()
                        ? ar.result().substring(0, 3)
                        : ar.cause().getClass().getSimpleName()
                            + " "
                            + String.valueOf(ar.cause().getMessage()).replaceAll("[0-9]+", "N");
                kinds.computeIfAbsent(host + " " + kind, k -> new LongAdder()).increment();
                if (failures.size() < KEPT_FAILURES) {
                  failures.add(
                      host
                          + " #"
                          + n
                          + ": "
                          + " after "
                          + (System.nanoTime() - sentAt) / 1_000_000
                          + " ms: "
                          + (ar.succeeded() ? ar.result().strip() : String.valueOf(ar.cause())));
                }
              }
            });
  }

  /** Stops sending and waits (up to a minute) for every request to be answered. */
  Totals stop() throws InterruptedException {
    vertx.cancelTimer(timer);
    stoppedAt = System.nanoTime();
    long deadline = stoppedAt + TimeUnit.MINUTES.toNanos(1);
    while (answered() < sent.get() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    long unanswered = sent.get() - answered();
    return new Totals(
        sent.get(),
        ok.get(),
        failed.get() + unanswered,
        (stoppedAt - startedAt) / 1e9,
        List.copyOf(failures),
        kinds.entrySet().stream()
            .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().sum())));
  }

  @Override
  public void close() {
    vertx.cancelTimer(timer);
    vertx.close();
  }
}
