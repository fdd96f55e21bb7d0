package dev.skiff.server;

import com.sun.management.OperatingSystemMXBean;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A paced load on one host through the gateway that remembers, per second of its run, how many
 * requests each revision answered ({@code X-Skiff-Revision}) and with which status, so a test can
 * watch a traffic split move. Up to {@code rate} GETs a second over keep-alive HTTP/1.1
 * connections, never more than {@link #MAX_IN_FLIGHT} unanswered; a request that errs or gets no
 * answer within 30 s counts as a failure. It also counts per second what it sent and held back, and
 * samples the JVM's CPU time, so a test can say at which rate it really ran and what an answer cost
 * ({@link #achieved}): a load that silently runs at a fraction of its rate proves nothing.
 */
final class RevisionLoad implements AutoCloseable {
  private static final int CLIENTS = 4;
  private static final int CONNECTIONS_PER_CLIENT = 16;

  /**
   * At most this many requests wait for an answer; beyond, the load holds back (and counts what it
   * held back) rather than queue requests in the client until they time out there, so a machine
   * slower than the rate lowers the rate instead of failing requests the gateway never saw.
   */
  private static final int MAX_IN_FLIGHT = 256;

  /** One answer's bucket: the second of the run it ended in, its revision and status. */
  record Key(long second, String revision, int status) {}

  /**
   * What the load did in seconds {@code [from, to)} of its run: requests it asked of itself ({@code
   * rate} a second), sent, held back (due while {@link #MAX_IN_FLIGHT} were unanswered, never
   * sent), answered (whatever the answer), the rate it actually sent at, and the CPU time this
   * whole JVM used then (the load and, in an IT, the skiffd under test).
   */
  record Achieved(
      long from, long to, int asked, long sent, long heldBack, long answered, long cpuNanos) {
    double perSecond() {
      return (double) sent / Math.max(1, to - from);
    }

    /** The share (0..1) of the asked rate that was sent. */
    double ofAsked() {
      return perSecond() / asked;
    }

    /** The JVM's CPU time per answer, in ms: what an answer cost whatever the machine's load. */
    double cpuMillisPerAnswer() {
      return cpuNanos / 1e6 / Math.max(1, answered);
    }

    @Override
    public String toString() {
      return String.format(
          "seconds %d-%d: asked %d/s, sent %d (%.0f/s, %.0f %% of asked), held back %d,"
              + " answered %d; the JVM used %.1f CPU-s (%.2f cores, %.2f ms per answer: %d/s"
              + " would take %.2f cores)",
          from,
          to,
          asked,
          sent,
          perSecond(),
          100 * ofAsked(),
          heldBack,
          answered,
          cpuNanos / 1e9,
          cpuNanos / 1e9 / Math.max(1, to - from),
          cpuMillisPerAnswer(),
          asked,
          cpuMillisPerAnswer() * asked / 1000);
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final List<HttpClient> clients = new ArrayList<>();
  private final int port;
  private final String host;
  private final int rate;
  private final long startedAt = System.nanoTime();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong answered = new AtomicLong();
  private final AtomicLong heldBack = new AtomicLong();
  private final Map<Key, AtomicLong> counts = new ConcurrentHashMap<>();
  private final Map<Long, AtomicLong> sentIn = new ConcurrentHashMap<>();
  private final Map<Long, AtomicLong> heldBackIn = new ConcurrentHashMap<>();

  /** The JVM's CPU time at the first tick of each second. */
  private final NavigableMap<Long, Long> cpuAt = new ConcurrentSkipListMap<>();

  private final OperatingSystemMXBean os =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private final List<String> errors = new CopyOnWriteArrayList<>();
  private long timer;

  private RevisionLoad(int port, String host, int rate) {
    this.port = port;
    this.host = host;
    this.rate = rate;
    for (int i = 0; i < CLIENTS; i++) {
      clients.add(
          vertx.createHttpClient(
              new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1).setKeepAlive(true),
              new PoolOptions().setHttp1MaxSize(CONNECTIONS_PER_CLIENT).setMaxWaitQueueSize(-1)));
    }
  }

  static RevisionLoad start(int port, String host, int rate) {
    RevisionLoad load = new RevisionLoad(port, host, rate);
    load.timer = load.vertx.setPeriodic(10, t -> load.tick());
    return load;
  }

  /** The second of the run that is under way now. */
  long second() {
    return (System.nanoTime() - startedAt) / 1_000_000_000L;
  }

  private void tick() {
    cpuAt.putIfAbsent(second(), os.getProcessCpuTime());
    long due = (System.nanoTime() - startedAt) * rate / 1_000_000_000L;
    long behind = due - sent.get() - heldBack.get();
    for (long i = 0; i < behind; i++) {
      if (sent.get() - answered.get() >= MAX_IN_FLIGHT) {
        heldBack.addAndGet(behind - i);
        bump(heldBackIn, second(), behind - i);
        return;
      }
      bump(sentIn, second(), 1);
      send(sent.getAndIncrement());
    }
  }

  private void send(long n) {
    HttpClient client = clients.get((int) (n % CLIENTS));
    RequestOptions req =
        new RequestOptions()
            .setServer(SocketAddress.inetSocketAddress(port, "127.0.0.1"))
            .setMethod(HttpMethod.GET)
            .setHost(host)
            .setPort(port)
            .setURI("/?n=" + n)
            .setTimeout(30_000);
    client
        .request(req)
        .compose(r -> r.send())
        .compose(
            resp ->
                resp.body()
                    .map(
                        b ->
                            new Key(
                                second(), resp.getHeader("X-Skiff-Revision"), resp.statusCode())))
        .onComplete(
            ar -> {
              answered.incrementAndGet();
              Key k = ar.succeeded() ? ar.result() : new Key(second(), null, 0);
              counts.computeIfAbsent(k, x -> new AtomicLong()).incrementAndGet();
              if (ar.failed() && errors.size() < 10) {
                errors.add(String.valueOf(ar.cause()));
              }
            });
  }

  private static void bump(Map<Long, AtomicLong> perSecond, long second, long n) {
    perSecond.computeIfAbsent(second, x -> new AtomicLong()).addAndGet(n);
  }

  private static long sum(Map<Long, AtomicLong> perSecond, long from, long to) {
    long n = 0;
    for (Map.Entry<Long, AtomicLong> e : perSecond.entrySet()) {
      if (e.getKey() >= from && e.getKey() < to) {
        n += e.getValue().get();
      }
    }
    return n;
  }

  /** What the load sent, held back and had answered in seconds {@code [from, to)} of its run. */
  Achieved achieved(long from, long to) {
    long answeredThen = 0;
    for (Map.Entry<Key, AtomicLong> e : counts.entrySet()) {
      if (e.getKey().second() >= from && e.getKey().second() < to) {
        answeredThen += e.getValue().get();
      }
    }
    Map.Entry<Long, Long> cpuFrom = cpuAt.ceilingEntry(from);
    Map.Entry<Long, Long> cpuTo = cpuAt.floorEntry(to);
    long cpu =
        cpuFrom == null || cpuTo == null ? 0 : Math.max(0, cpuTo.getValue() - cpuFrom.getValue());
    return new Achieved(
        from, to, rate, sum(sentIn, from, to), sum(heldBackIn, from, to), answeredThen, cpu);
  }

  /** Stops sending and waits (up to a minute) for every request sent to be answered. */
  void stop() throws InterruptedException {
    vertx.cancelTimer(timer);
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (answered.get() < sent.get() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  long sent() {
    return sent.get();
  }

  /** Requests not answered 200 (other statuses, errors, and those never answered). */
  long failed() {
    long ok = 0;
    for (Map.Entry<Key, AtomicLong> e : counts.entrySet()) {
      if (e.getKey().status() == 200) {
        ok += e.getValue().get();
      }
    }
    return sent.get() - ok;
  }

  /** Answers with status 5xx, by revision. */
  Map<String, Long> serverErrors() {
    return serverErrors(0, Long.MAX_VALUE);
  }

  /** Answers with status 5xx that ended in seconds {@code [from, to)}, by revision. */
  Map<String, Long> serverErrors(long from, long to) {
    Map<String, Long> out = new TreeMap<>();
    counts.forEach(
        (k, v) -> {
          if (k.status() >= 500 && k.second() >= from && k.second() < to) {
            out.merge(String.valueOf(k.revision()), v.get(), Long::sum);
          }
        });
    return out;
  }

  /**
   * Of the answers that ended in seconds {@code [from, to)}, the share (0..1) from {@code
   * revision}; NaN when none ended then.
   */
  double share(String revision, long from, long to) {
    long all = 0;
    long of = 0;
    for (Map.Entry<Key, AtomicLong> e : counts.entrySet()) {
      Key k = e.getKey();
      if (k.second() >= from && k.second() < to && k.revision() != null) {
        all += e.getValue().get();
        if (k.revision().equals(revision)) {
          of += e.getValue().get();
        }
      }
    }
    return all == 0 ? Double.NaN : (double) of / all;
  }

  /** Answers from {@code revision} that ended at or after second {@code from}. */
  long answeredBy(String revision, long from) {
    long n = 0;
    for (Map.Entry<Key, AtomicLong> e : counts.entrySet()) {
      if (e.getKey().second() >= from && revision.equals(e.getKey().revision())) {
        n += e.getValue().get();
      }
    }
    return n;
  }

  /**
   * Per second: sent, held back, the JVM's CPU ms, and answers by revision and status, for failure
   * messages.
   */
  String timeline() {
    Map<Long, Map<String, Long>> t = new TreeMap<>();
    counts.forEach(
        (k, v) ->
            t.computeIfAbsent(k.second(), s -> new TreeMap<>())
                .merge(k.revision() + " " + k.status(), v.get(), Long::sum));
    sentIn.forEach((s, n) -> t.computeIfAbsent(s, x -> new TreeMap<>()).put("sent", n.get()));
    heldBackIn.forEach(
        (s, n) -> t.computeIfAbsent(s, x -> new TreeMap<>()).put("held back", n.get()));
    cpuAt.forEach(
        (s, cpu) -> {
          Long next = cpuAt.get(s + 1);
          if (next != null) {
            t.computeIfAbsent(s, x -> new TreeMap<>()).put("cpu ms", (next - cpu) / 1_000_000);
          }
        });
    return t + " errors " + errors;
  }

  @Override
  public void close() {
    vertx.cancelTimer(timer);
    vertx.close();
  }
}
