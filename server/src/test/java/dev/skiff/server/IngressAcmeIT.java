package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.testing.Prerequisites;
import dev.skiff.wasm.Wat;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.SocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Custom domains with certificates by ACME, end to end against real programs: Debian's pebble as
 * the ACME server (certificates valid 20 s, so renewal comes within the test), skiffd with {@code
 * --acme-directory}, the real skiff CLI, curl over HTTP/2 and HTTP/1.1 trusting pebble's root.
 */
class IngressAcmeIT {
  private static final Duration VALIDITY = Duration.ofSeconds(20);

  @TempDir static Path dir;
  static Pebble pebble;
  static RunningSkiffd skiffd;
  static Cli cli;

  @BeforeAll
  static void start() throws Exception {
    Prerequisites.require(
        Files.isExecutable(Path.of("/usr/bin/pebble")), "pebble", "apt-get install pebble");
    Prerequisites.require(
        Files.isExecutable(Path.of("/usr/bin/curl")), "curl", "apt-get install curl");
    pebble = Pebble.start(dir.resolve("pebble"), VALIDITY);
    skiffd =
        RunningSkiffd.start(
            dir.resolve("data"),
            30,
            o -> {
              o.acmeDirectory = pebble.directory();
              o.acmeCaFile = pebble.tlsCert;
              o.acmeEmail = "ops@example.test";
            });
    cli = new Cli(skiffd);
    Path module =
        Files.write(
            dir.resolve("hello.wasm"), Wat.printing("Content-Type: text/plain\n\nhello over tls"));
    cli.ok("deploy", "hello", "--wasm", module.toString());
  }

  @AfterAll
  static void stop() {
    if (skiffd != null) {
      skiffd.close();
    }
    if (pebble != null) {
      pebble.close();
    }
  }

  /** Polls the mapping until its certificate is ready (or 60 s pass); returns its status. */
  private static JsonNode awaitReady(String domain, Instant notAfterOtherThan) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    JsonNode status = null;
    while (System.nanoTime() < deadline) {
      status = cli.ok("domain", "describe", domain, "-o", "json").json().path("status");
      if ("ready".equals(status.path("certificate").asText())
          && (notAfterOtherThan == null
              || !notAfterOtherThan.toString().equals(status.path("notAfter").asText()))) {
        return status;
      }
      Thread.sleep(100); // polling the status with a deadline
    }
    throw new AssertionError("no (new) certificate for " + domain + " within 60 s: " + status);
  }

  private static Processes.Result curl(String domain, String... extra) throws Exception {
    int port = skiffd.skiffd.gatewayTlsPort();
    List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20"));
    cmd.addAll(List.of(extra));
    cmd.addAll(
        List.of(
            "--resolve",
            domain + ":" + port + ":127.0.0.1",
            "--cacert",
            pebble.root.toString(),
            "-w",
            "\n%{http_version} %{http_code}",
            "https://" + domain + ":" + port + "/"));
    return Processes.run(cmd, null);
  }

  @Test
  void autoDomainGetsACertificateFromPebbleServedOverHttp2AndHttp11() throws Exception {
    cli.ok("domain", "map", "shop.example.test", "hello", "--tls", "auto");

    JsonNode status = awaitReady("shop.example.test", null);

    assertTrue(status.hasNonNull("notAfter"), status.toString());
    var h2 = curl("shop.example.test", "--http2");
    assertEquals(0, h2.exit(), h2.output());
    assertEquals("hello over tls\n2 200", h2.output());
    var h1 = curl("shop.example.test", "--http1.1");
    assertEquals("hello over tls\n1.1 200", h1.output());
    var plain =
        Processes.run(
            List.of(
                "curl",
                "-sS",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code} %{redirect_url}",
                "-H",
                "Host: shop.example.test",
                "http://127.0.0.1:" + skiffd.gatewayPort() + "/cart"),
            null);
    assertEquals(
        "308 https://shop.example.test:" + skiffd.skiffd.gatewayTlsPort() + "/cart",
        plain.output());
    String describe = cli.ok("domain", "describe", "shop.example.test").out();
    assertTrue(describe.contains("Certificate:  ready"), describe);
    String metrics = get("/metrics");
    assertTrue(
        metrics.contains(
            "skiff_certificate_state{domain=\"shop.example.test\",state=\"ready\"} 1.0"),
        metrics);
    assertTrue(
        metrics.contains("skiff_certificate_expiry_timestamp_seconds{name=\"shop.example.test\"}"));
    assertTrue(get("/v1/events").contains("CertificateIssued"));
  }

  @Test
  void aSecondNamespaceCannotClaimAMappedDomain() throws Exception {
    cli.ok("domain", "map", "taken.example.test", "hello", "--tls", "none");

    var r = cli.run("domain", "map", "taken.example.test", "hello", "-n", "other", "--tls", "none");

    assertNotEquals(0, r.exit());
    assertTrue(r.err().contains("already mapped to service hello in namespace default"), r.err());
  }

  @Test
  void renewalSwapsTheCertificateUnder200RequestsPerSecondWithNoFailedRequest() throws Exception {
    cli.ok("domain", "map", "load.example.test", "hello", "--tls", "auto");
    JsonNode first = awaitReady("load.example.test", null);
    Instant firstNotAfter = Instant.parse(first.path("notAfter").asText());
    int port = skiffd.skiffd.gatewayTlsPort();
    Vertx vertx = Vertx.vertx();
    try {
      HttpClientOptions tls =
          new HttpClientOptions()
              .setSsl(true)
              .setForceSni(true)
              .setVerifyHost(true)
              .setTrustOptions(new PemTrustOptions().addCertPath(pebble.root.toString()));
      HttpClient keepAlive =
          vertx.createHttpClient(new HttpClientOptions(tls), new PoolOptions().setHttp1MaxSize(32));
      HttpClient fresh =
          vertx.createHttpClient(
              new HttpClientOptions(tls).setKeepAlive(false),
              new PoolOptions().setHttp1MaxSize(256));
      RequestOptions at =
          new RequestOptions()
              .setServer(SocketAddress.inetSocketAddress(port, "127.0.0.1"))
              .setHost("load.example.test")
              .setPort(port)
              .setURI("/")
              .setMethod(HttpMethod.GET)
              // Generous: on a loaded machine requests queue in the client's pool; a slow answer
              // is not what this test is about, a failed one is.
              .setTimeout(60_000);
      AtomicInteger sent = new AtomicInteger();
      AtomicInteger ok = new AtomicInteger();
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      List<Future<Void>> all = new java.util.concurrent.CopyOnWriteArrayList<>();
      // 200 requests a second: one every 5 ms, alternately on a kept-alive connection and on a
      // new one (a new handshake, which must get whichever certificate is current).
      long timer =
          vertx.setPeriodic(
              5,
              id -> {
                HttpClient c = sent.incrementAndGet() % 2 == 0 ? keepAlive : fresh;
                all.add(
                    c.request(at)
                        .compose(req -> req.send())
                        .compose(res -> res.body().map(b -> res.statusCode() + " " + b))
                        .map(
                            r -> {
                              if (r.startsWith("200 hello over tls")) {
                                ok.incrementAndGet();
                              } else {
                                failures.add(r);
                              }
                              return (Void) null;
                            })
                        .otherwise(
                            e -> {
                              failures.add(e.toString());
                              return null;
                            }));
              });
      JsonNode renewed = awaitReady("load.example.test", firstNotAfter);
      int beforeSwap = ok.get();
      // Keep the load on until 200 more requests were served with the new certificate in place.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (ok.get() < beforeSwap + 200 && System.nanoTime() < deadline) {
        Thread.sleep(50); // polling the count with a deadline
      }
      vertx.cancelTimer(timer);
      Future.join(new ArrayList<>(all))
          .toCompletionStage()
          .toCompletableFuture()
          .get(90, TimeUnit.SECONDS);

      assertTrue(
          Instant.parse(renewed.path("notAfter").asText()).isAfter(firstNotAfter),
          renewed.toString());
      assertEquals(
          0,
          failures.size(),
          failures.size()
              + " failed requests of "
              + sent.get()
              + ", the first: "
              + failures.stream().limit(3).toList());
      assertEquals(all.size(), ok.get());
      assertTrue(beforeSwap > 0, "requests were served before the renewal");
      assertTrue(ok.get() >= beforeSwap + 200, "the load ran on after the renewal: " + ok.get());
      assertTrue(get("/v1/events").contains("CertificateRenewed"));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  private static String get(String path) throws Exception {
    return java.net.http.HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(skiffd.api() + path))
                .header("Authorization", "Bearer " + skiffd.token())
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
