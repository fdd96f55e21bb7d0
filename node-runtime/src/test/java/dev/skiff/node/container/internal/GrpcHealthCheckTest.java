package dev.skiff.node.container.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.NetServer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The gRPC probe's verdicts against a real HTTP/2 cleartext server in the test, which answers each
 * service name in its own way.
 */
class GrpcHealthCheckTest {
  static Vertx vertx;
  static HttpServer server;
  static HttpClient h2c;
  static GrpcHealthCheck check;
  static final Map<String, MultiMap> requests = new ConcurrentHashMap<>();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    server =
        vertx
            .createHttpServer()
            .requestHandler(GrpcHealthCheckTest::answer)
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    h2c =
        vertx.createHttpClient(
            new HttpClientOptions()
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false),
            new PoolOptions().setHttp2MaxSize(4));
    check = new GrpcHealthCheck(vertx, h2c);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** Decodes the service name of a framed HealthCheckRequest (names under 128 bytes). */
  static String service(Buffer body) {
    return body.length() == 5 ? "" : body.getString(7, body.length(), "UTF-8");
  }

  static Buffer response(int flag, int status) {
    return Buffer.buffer()
        .appendByte((byte) flag)
        .appendInt(2)
        .appendByte((byte) 0x08)
        .appendByte((byte) status);
  }

  static void answer(HttpServerRequest req) {
    req.body()
        .onSuccess(
            body -> {
              String service = service(body);
              requests.put(service, req.headers());
              var resp = req.response();
              if (req.version() != HttpVersion.HTTP_2
                  || !req.path().equals("/grpc.health.v1.Health/Check")) {
                resp.setStatusCode(404).end();
                return;
              }
              resp.putHeader("content-type", "application/grpc");
              switch (service) {
                case "", "ping.PingService" -> {
                  resp.putTrailer("grpc-status", "0");
                  resp.end(response(0, 1));
                }
                case "down" -> {
                  resp.putTrailer("grpc-status", "0");
                  resp.end(response(0, 2));
                }
                case "absent" -> resp.putHeader("grpc-status", "5").end(); // trailers-only
                case "failing-late" -> {
                  // A message saying SERVING, then an error status: the status decides.
                  resp.putTrailer("grpc-status", "14");
                  resp.end(response(0, 1));
                }
                case "no-status" -> resp.end(response(0, 1));
                case "compressed" -> {
                  resp.putTrailer("grpc-status", "0");
                  resp.end(response(1, 1));
                }
                case "not-grpc" -> resp.setStatusCode(503).end("busy");
                case "silent" -> {} // never answers
                default -> resp.putHeader("grpc-status", "5").end();
              }
            });
  }

  /**
   * A deadline no machine misses for an answer the server gives at once: a verdict that expects
   * SERVING must not fail because a loaded CI machine took a second over the first HTTP/2 stream.
   */
  static final long ANSWERED_MS = 10_000;

  /** Why the probe of {@code service} fails, or null when it passes. */
  static String failure(String service) throws Exception {
    return failure(server.actualPort(), service, ANSWERED_MS);
  }

  static String failure(int port, String service, long timeoutMs) throws Exception {
    return check.failure("127.0.0.1", port, service, timeoutMs).await(30, TimeUnit.SECONDS);
  }

  static void assertFailsWith(String expected, String failure) {
    assertNotNull(failure, "the probe passed");
    assertTrue(failure.contains(expected), () -> "failed for another reason: " + failure);
  }

  @Test
  void servingPasses() throws Exception {
    assertNull(failure(""));
    assertNull(failure("ping.PingService"));
    assertTrue(
        check
            .check("127.0.0.1", server.actualPort(), "ping.PingService", ANSWERED_MS)
            .await(30, TimeUnit.SECONDS));
  }

  @Test
  void sendsAUnaryGrpcCallWithTheServiceName() throws Exception {
    assertNull(failure("ping.PingService"));
    MultiMap headers = requests.get("ping.PingService");
    assertEquals("application/grpc", headers.get("content-type"));
    assertEquals("trailers", headers.get("te"));
    assertEquals(ANSWERED_MS + "m", headers.get("grpc-timeout"));
  }

  @Test
  void notServingFails() throws Exception {
    assertFailsWith("status NOT_SERVING", failure("down"));
    assertFalse(
        check
            .check("127.0.0.1", server.actualPort(), "down", ANSWERED_MS)
            .await(30, TimeUnit.SECONDS));
  }

  @Test
  void aNonZeroGrpcStatusFails() throws Exception {
    assertFailsWith("grpc-status 5", failure("absent"));
    assertFailsWith("grpc-status 14", failure("failing-late"));
  }

  @Test
  void anAnswerWithoutGrpcStatusFails() throws Exception {
    assertFailsWith("no grpc-status", failure("no-status"));
  }

  @Test
  void aCompressedAnswerFails() throws Exception {
    assertNotNull(failure("compressed"));
  }

  @Test
  void anHttpErrorFails() throws Exception {
    assertFailsWith("HTTP status 503", failure("not-grpc"));
  }

  @Test
  void noAnswerWithinTheTimeoutFails() throws Exception {
    assertFailsWith("no answer within 200 ms", failure(server.actualPort(), "silent", 200));
  }

  @Test
  void aRefusedConnectionFails() throws Exception {
    NetServer closed =
        vertx
            .createNetServer()
            .connectHandler(so -> so.close())
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    int port = closed.actualPort();
    closed.close().await(10, TimeUnit.SECONDS);
    assertNotNull(failure(port, "", 1000));
  }

  @Test
  void aServerSpeakingHttp1OnlyFails() throws Exception {
    NetServer http1 =
        vertx
            .createNetServer()
            .connectHandler(
                so ->
                    so.handler(
                        b ->
                            so.end(
                                Buffer.buffer(
                                    "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
                                    StandardCharsets.US_ASCII.name()))))
            .listen(0, "127.0.0.1")
            .await(10, TimeUnit.SECONDS);
    try {
      assertNotNull(failure(http1.actualPort(), "", 1000));
    } finally {
      http1.close().await(10, TimeUnit.SECONDS);
    }
  }
}
