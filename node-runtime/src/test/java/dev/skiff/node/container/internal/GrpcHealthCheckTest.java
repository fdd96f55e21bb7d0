package dev.skiff.node.container.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
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

  static boolean verdict(String service) throws Exception {
    return verdict(server.actualPort(), service, 1000);
  }

  static boolean verdict(int port, String service, long timeoutMs) throws Exception {
    Future<Boolean> f = check.check("127.0.0.1", port, service, timeoutMs);
    return f.await(30, TimeUnit.SECONDS);
  }

  @Test
  void servingPasses() throws Exception {
    assertTrue(verdict(""));
    assertTrue(verdict("ping.PingService"));
  }

  @Test
  void sendsAUnaryGrpcCallWithTheServiceName() throws Exception {
    assertTrue(verdict("ping.PingService"));
    MultiMap headers = requests.get("ping.PingService");
    assertEquals("application/grpc", headers.get("content-type"));
    assertEquals("trailers", headers.get("te"));
    assertEquals("1000m", headers.get("grpc-timeout"));
  }

  @Test
  void notServingFails() throws Exception {
    assertFalse(verdict("down"));
  }

  @Test
  void aNonZeroGrpcStatusFails() throws Exception {
    assertFalse(verdict("absent"));
    assertFalse(verdict("failing-late"));
  }

  @Test
  void anAnswerWithoutGrpcStatusFails() throws Exception {
    assertFalse(verdict("no-status"));
  }

  @Test
  void aCompressedAnswerFails() throws Exception {
    assertFalse(verdict("compressed"));
  }

  @Test
  void anHttpErrorFails() throws Exception {
    assertFalse(verdict("not-grpc"));
  }

  @Test
  void noAnswerWithinTheTimeoutFails() throws Exception {
    assertFalse(verdict(server.actualPort(), "silent", 200));
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
    assertFalse(verdict(port, "", 1000));
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
      assertFalse(verdict(http1.actualPort(), "", 1000));
    } finally {
      http1.close().await(10, TimeUnit.SECONDS);
    }
  }
}
