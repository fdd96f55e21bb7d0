package dev.skiff.controlplane;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SlicedBodyTest {
  private Vertx vertx;
  private HttpServer server;
  private HttpClient client;
  private byte[] body;

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    server =
        vertx
            .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
            .requestHandler(
                req -> {
                  int n = Integer.parseInt(req.path().substring(1));
                  SlicedBody.end(req.response(), req.version(), Buffer.buffer(body).slice(0, n));
                })
            .listen()
            .await(10, TimeUnit.SECONDS);
    client =
        vertx.createHttpClient(
            new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1).setKeepAlive(true),
            new PoolOptions().setHttp1MaxSize(1));
    body = new byte[8 * 1024 * 1024];
    new Random(16).nextBytes(body);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** The response's headers and its body, read from the same callback (none is lost). */
  private record Got(HttpClientResponse resp, Buffer body) {}

  private Got get(int n) throws Exception {
    return client
        .request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/" + n)
        .compose(r -> r.send())
        .compose(r -> r.body().map(b -> new Got(r, b)))
        .await(30, TimeUnit.SECONDS);
  }

  @Test
  void largeBodyArrivesWholeWithItsContentLengthAndTheConnectionIsReused() throws Exception {
    for (int n : new int[] {body.length, 0, SlicedBody.SLICE, SlicedBody.SLICE + 1, 1_000_003}) {
      Got got = get(n);
      assertEquals(String.valueOf(n), got.resp().getHeader("Content-Length"));
      assertNull(got.resp().getHeader("Transfer-Encoding"));
      byte[] want = new byte[n];
      System.arraycopy(body, 0, want, 0, n);
      assertArrayEquals(want, got.body().getBytes(), "body of " + n + " bytes");
    }
  }

  @Test
  void aClientThatReadsSlowlyGetsTheWholeBody() throws Exception {
    // The client stops reading, so the server's writes queue up and the rest of the body goes
    // out only from the drain handler.
    Buffer got = Buffer.buffer();
    Promise<Void> done = Promise.promise();
    client
        .request(HttpMethod.GET, server.actualPort(), "127.0.0.1", "/" + body.length)
        .compose(r -> r.send())
        .onSuccess(
            resp -> {
              resp.pause();
              resp.handler(got::appendBuffer);
              resp.endHandler(v -> done.complete());
              vertx.setTimer(200, t -> resp.resume());
            })
        .onFailure(done::fail);
    done.future().await(30, TimeUnit.SECONDS);
    assertArrayEquals(body, got.getBytes());
  }
}
