package dev.skiff.proxy.internal;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.proxy.testing.ProxyTestBase;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.ReadStream;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@link KeptBody} keeps of a body it moves to a real HTTP/2 upstream: never more than its
 * bound, nothing once an answer came or the exchange is over, and, for a second attempt, every byte
 * the client sent, once. The client's side is a stream the test feeds; everything runs on one
 * Vert.x context, as the proxy's exchange does.
 */
class KeptBodyTest extends ProxyTestBase {
  private static final int BOUND = 64 * 1024;

  private HttpServer upstream;
  private HttpClient h2;
  private Context context;
  private final Map<String, Buffer> received = new ConcurrentHashMap<>();

  KeptBodyTest() {
    super(1);
  }

  @BeforeEach
  void startUpstream() {
    // Reads each body whole, then answers; refuses /refused before reading anything.
    upstream =
        await(
            vertx
                .createHttpServer(new HttpServerOptions().setHttp2ClearTextEnabled(true))
                .requestHandler(
                    req -> {
                      if (req.path().equals("/refused")) {
                        req.response().reset(7);
                        return;
                      }
                      req.body()
                          .onSuccess(
                              body -> {
                                received.put(req.path(), body);
                                req.response().end("ok");
                              });
                    })
                .listen(0, "127.0.0.1"));
    h2 =
        vertx
            .httpClientBuilder()
            .with(
                new HttpClientOptions()
                    .setProtocolVersion(HttpVersion.HTTP_2)
                    .setHttp2ClearTextUpgrade(false))
            .build();
    context = vertx.getOrCreateContext();
  }

  @AfterEach
  void stop() {
    await(h2.close());
    await(upstream.close());
  }

  @Test
  void keepsWhatItSentWhileItFitsTheBound() {
    FedBody client = new FedBody();
    KeptBody body = on(() -> new KeptBody(client, BOUND, chunk(10_000, 0), true));
    HttpClientRequest up = request("/upload");

    on(() -> body.to(up, true));
    on(() -> client.push(chunk(20_000, 1)));
    on(() -> client.push(chunk(BOUND - 30_000, 2)));

    assertTrue(on(body::whole), "every byte sent so far is kept");
    assertEquals(BOUND, on(body::keptBytes));
  }

  @Test
  void aChunkPastTheBoundLetsGoOfAllThatWasKeptAndTheBodyStillFlows() {
    FedBody client = new FedBody();
    KeptBody body = on(() -> new KeptBody(client, BOUND, null, true));
    HttpClientRequest up = request("/upload");
    Buffer all = Buffer.buffer();

    on(() -> body.to(up, true));
    for (int i = 0; i < 10; i++) {
      Buffer c = chunk(10_000, i);
      all.appendBuffer(c);
      on(() -> client.push(c));
      assertTrue(on(body::keptBytes) <= BOUND, "never more than the bound");
    }
    assertFalse(on(body::whole), "more was read than kept: no other attempt");
    assertEquals(0, on(body::keptBytes), "let go at the bound, not at the end");
    on(client::end);

    assertEquals(200, await(up.response()).statusCode());
    eventually("the upstream has the body", () -> received.containsKey("/upload"));
    assertEquals(all, received.get("/upload"), "the whole body reached the upstream, kept or not");
  }

  @Test
  void anAnswerLetsGoOfWhatWasKept() {
    FedBody client = new FedBody();
    KeptBody body = on(() -> new KeptBody(client, BOUND, null, true));
    HttpClientRequest up = request("/upload");

    on(() -> body.to(up, true));
    on(() -> client.push(chunk(5_000, 0)));
    assertEquals(5_000, on(body::keptBytes));
    on(client::end);

    assertEquals(200, await(up.response()).statusCode());
    eventually("nothing kept once answered", () -> on(body::keptBytes) == 0);
  }

  @Test
  void theExchangesEndLetsGoOfWhatWasKeptAndOfTheClientsBody() {
    FedBody client = new FedBody();
    KeptBody body = on(() -> new KeptBody(client, BOUND, null, true));
    HttpClientRequest up = request("/refused");

    on(() -> body.to(up, true));
    on(() -> client.push(chunk(5_000, 0)));
    assertTrue(await(up.response().map(r -> false).otherwise(true)), "the attempt failed");
    on(body::over); // the exchange failed, was cancelled or its client left

    assertEquals(0, on(body::keptBytes));
    assertFalse(on(body::whole));
    assertTrue(on(() -> client.handler == null), "the client's body is let go too");
  }

  @Test
  void aSecondAttemptSendsTheKeptBytesThenTheRestOnce() {
    FedBody client = new FedBody();
    Buffer first = chunk(3_000, 0);
    Buffer second = chunk(4_000, 1);
    Buffer rest = chunk(5_000, 2);
    KeptBody body = on(() -> new KeptBody(client, BOUND, first, true));
    HttpClientRequest refused = request("/refused");

    on(() -> body.to(refused, true));
    on(() -> client.push(second));
    assertTrue(await(refused.response().map(r -> false).otherwise(true)), "refused");
    eventually("held back between the attempts", () -> on(() -> client.paused));
    assertTrue(on(body::whole));
    HttpClientRequest again = request("/again");
    on(() -> again.setChunked(true));
    on(() -> body.to(again, false));
    assertEquals(0, on(body::keptBytes), "nothing kept for a third attempt");
    assertFalse(on(() -> client.paused), "the rest flows");
    on(() -> client.push(rest));
    on(client::end);

    assertEquals(200, await(again.response()).statusCode());
    eventually("the upstream has the body", () -> received.containsKey("/again"));
    assertEquals(
        first.copy().appendBuffer(second).appendBuffer(rest),
        received.get("/again"),
        "every byte once, in order");
  }

  @Test
  void aSecondAttemptOfNearlyTheBoundTakesTheRestAfterIt() {
    FedBody client = new FedBody();
    Buffer kept = chunk(BOUND - 1_000, 0);
    KeptBody body = on(() -> new KeptBody(client, BOUND, kept, true));
    HttpClientRequest refused = request("/refused");

    on(() -> body.to(refused, true));
    assertTrue(await(refused.response().map(r -> false).otherwise(true)), "refused");
    HttpClientRequest again = request("/again");
    on(() -> body.to(again, false));
    Buffer all = kept.copy();
    for (int i = 1; i <= 10; i++) {
      Buffer c = chunk(10_000, i);
      all.appendBuffer(c);
      eventually("the client is let go on", () -> on(() -> !client.paused));
      on(() -> client.push(c));
    }
    on(client::end);

    assertEquals(200, await(again.response()).statusCode());
    eventually("the upstream has the body", () -> received.containsKey("/again"));
    assertEquals(all, received.get("/again"));
  }

  @Test
  void aBodyThatBrokeBetweenTheAttemptsEndsTheSecondAtOnce() {
    FedBody client = new FedBody();
    KeptBody body = on(() -> new KeptBody(client, BOUND, chunk(3_000, 0), true));
    HttpClientRequest refused = request("/refused");

    on(() -> body.to(refused, true));
    assertTrue(await(refused.response().map(r -> false).otherwise(true)), "refused");
    IllegalStateException broke = new IllegalStateException("the client's body broke");
    on(() -> client.fail(broke));
    HttpClientRequest again = request("/again");
    on(() -> body.to(again, false));

    Throwable failed = await(again.response().map(r -> (Throwable) null).otherwise(e -> e));
    assertTrue(failed != null, "the second attempt fails instead of waiting for a rest");
    assertFalse(received.containsKey("/again"), "nothing processed");
  }

  /** An upstream request, made on the test's context. */
  private HttpClientRequest request(String path) {
    int port = upstream.actualPort();
    return on(() ->
            h2.request(
                new RequestOptions()
                    .setHost("127.0.0.1")
                    .setPort(port)
                    .setMethod(HttpMethod.POST)
                    .setURI(path)))
        .toCompletionStage()
        .toCompletableFuture()
        .join();
  }

  /** Runs {@code work} on the test's context and returns what it returns. */
  private <T> T on(Supplier<T> work) {
    CompletableFuture<T> done = new CompletableFuture<>();
    context.runOnContext(
        v -> {
          try {
            done.complete(work.get());
          } catch (RuntimeException e) {
            done.completeExceptionally(e);
          }
        });
    try {
      return done.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private void on(Runnable work) {
    on(
        () -> {
          work.run();
          return null;
        });
  }

  /** {@code n} bytes, different for each {@code seed}. */
  private static Buffer chunk(int n, int seed) {
    Buffer b = Buffer.buffer(n);
    for (int i = 0; i < n; i++) {
      b.appendByte((byte) ('a' + (i + seed * 7) % 26));
    }
    return b;
  }

  /** A client's body the test feeds: chunks and the end go to the handlers set. */
  private static final class FedBody implements ReadStream<Buffer> {
    Handler<Buffer> handler;
    Handler<Void> endHandler;
    Handler<Throwable> exceptionHandler;
    boolean paused = true;

    void push(Buffer chunk) {
      handler.handle(chunk);
    }

    void end() {
      endHandler.handle(null);
    }

    void fail(Throwable err) {
      exceptionHandler.handle(err);
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
      this.exceptionHandler = handler;
      return this;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
      this.handler = handler;
      return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
      paused = true;
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      paused = false;
      return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      paused = false;
      return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> endHandler) {
      this.endHandler = endHandler;
      return this;
    }
  }
}
