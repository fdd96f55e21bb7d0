package dev.skiff.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.oci.internal.Digests;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a fake registry and a fake CDN, for what a real registry will not do. */
class RegistryClientTest {
  private static final byte[] BLOB =
      "0123456789abcdefghijklmnopqrstuvwxyz".getBytes(StandardCharsets.UTF_8);
  private static final String DIGEST = Digests.of(BLOB);
  private static final byte[] SMALL_MANIFEST =
      "{\"schemaVersion\":2,\"config\":{},\"layers\":[]}".getBytes(StandardCharsets.UTF_8);
  private static final String BASIC =
      "Basic " + Base64.getEncoder().encodeToString("u:p".getBytes(StandardCharsets.UTF_8));

  @TempDir Path tmp;
  private Vertx vertx;
  private HttpServer registry;
  private HttpServer cdn;
  private RegistryClient client;
  private final List<String> cdnAuthorization = new CopyOnWriteArrayList<>();
  private final List<String> cdnRanges = new CopyOnWriteArrayList<>();
  private final Map<HttpConnection, AtomicInteger> requestsOn = new ConcurrentHashMap<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    cdn =
        Await.result(
            vertx
                .createHttpServer()
                .requestHandler(
                    req -> {
                      cdnAuthorization.add(String.valueOf(req.getHeader("Authorization")));
                      cdnRanges.add(String.valueOf(req.getHeader("Range")));
                      if (req.path().endsWith("/stall")) {
                        String range = req.getHeader("Range");
                        if (range == null) { // half the blob, then silence
                          req.response()
                              .putHeader("Content-Length", String.valueOf(BLOB.length))
                              .write(Buffer.buffer(Arrays.copyOf(BLOB, 10)));
                        } else {
                          int from =
                              Integer.parseInt(
                                  range.substring("bytes=".length(), range.length() - 1));
                          req.response()
                              .setStatusCode(206)
                              .putHeader(
                                  "Content-Range",
                                  "bytes " + from + "-" + (BLOB.length - 1) + "/" + BLOB.length)
                              .end(Buffer.buffer(Arrays.copyOfRange(BLOB, from, BLOB.length)));
                        }
                        return;
                      }
                      byte[] body =
                          req.path().endsWith("/long")
                              ? Arrays.copyOf(BLOB, BLOB.length + 5)
                              : BLOB;
                      req.response().end(Buffer.buffer(body)); // ignores Range, like some CDNs
                    })
                .listen(0, "127.0.0.1"));
    registry =
        Await.result(
            vertx
                .createHttpServer()
                .requestHandler(
                    req -> {
                      if (req.path().startsWith("/v2/flaky/")
                          && requestsOn
                                  .computeIfAbsent(req.connection(), c -> new AtomicInteger())
                                  .incrementAndGet()
                              == 2) {
                        req.connection().close(); // a keep-alive connection dropped while idle
                      } else if (!BASIC.equals(req.getHeader("Authorization"))) {
                        req.response()
                            .setStatusCode(401)
                            .putHeader("WWW-Authenticate", "Basic realm=\"fake\"")
                            .end(
                                "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
                      } else if (req.path().startsWith("/v2/silent/")) {
                        return; // never answers
                      } else if (req.path().startsWith("/v2/small/manifests/")
                          || req.path().startsWith("/v2/flaky/manifests/")) {
                        req.response()
                            .putHeader("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                            .putHeader("Docker-Content-Digest", Digests.of(SMALL_MANIFEST))
                            .end(Buffer.buffer(SMALL_MANIFEST));
                      } else if (req.path().startsWith("/v2/huge/manifests/")) {
                        req.response()
                            .putHeader("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                            .end(Buffer.buffer(new byte[RegistryClient.MAX_MANIFEST_BYTES + 1]));
                      } else if (req.path().contains("/manifests/")) {
                        req.response()
                            .putHeader("Content-Type", "application/vnd.oci.image.manifest.v1+json")
                            .putHeader("Docker-Content-Digest", Digests.of(new byte[] {42}))
                            .end("{\"schemaVersion\":2,\"config\":{},\"layers\":[]}");
                      } else {
                        String tail =
                            req.path().startsWith("/v2/long/")
                                ? "/long"
                                : req.path().startsWith("/v2/stall/") ? "/stall" : "";
                        req.response()
                            .setStatusCode(307)
                            .putHeader(
                                "Location", "http://127.0.0.1:" + cdn.actualPort() + "/cdn" + tail)
                            .end();
                      }
                    })
                .listen(0, "127.0.0.1"));
    client = RegistryClient.builder(vertx).build();
  }

  @AfterEach
  void tearDown() {
    Await.result(client.close());
    Await.result(vertx.close());
  }

  private ImageReference repo() {
    return ImageReference.parse("127.0.0.1:" + registry.actualPort() + "/app:v1");
  }

  @Test
  void followsRedirectsWithoutSendingCredentialsElsewhereAndRestartsWhenRangeIsIgnored()
      throws Exception {
    Path target = tmp.resolve("blob");
    Path partial = tmp.resolve("blob.partial");
    Files.write(partial, Arrays.copyOf(BLOB, 10));
    BlobDownload d =
        Await.result(
            client.fetchBlob(
                repo(),
                new Descriptor("x", DIGEST, BLOB.length),
                target,
                partial,
                PullOptions.defaults().withCredentials("u", "p")));
    assertEquals(0, d.resumedFrom(), "the CDN ignored the Range, so the download started over");
    assertEquals(BLOB.length, d.transferred());
    assertEquals(DIGEST, Digests.of(target));
    assertEquals(List.of("null"), cdnAuthorization);
    assertEquals(List.of("bytes=10-"), cdnRanges);
  }

  @Test
  void cutsAStalledBodyAndResumesWhereItStopped() throws Exception {
    RegistryClient impatient =
        RegistryClient.builder(vertx).withTimeout(Duration.ofMillis(500)).build();
    Path target = tmp.resolve("s");
    BlobDownload d =
        Await.result(
            impatient.fetchBlob(
                ImageReference.parse("127.0.0.1:" + registry.actualPort() + "/stall"),
                new Descriptor("x", DIGEST, BLOB.length),
                target,
                tmp.resolve("s.partial"),
                PullOptions.defaults().withCredentials("u", "p")));
    assertEquals(10, d.resumedFrom());
    assertEquals(DIGEST, Digests.of(target));
    assertEquals(List.of("null", "bytes=10-"), cdnRanges);
    Await.result(impatient.close());
  }

  @Test
  void stopsReadingABlobLongerThanItsDescriptor() {
    Throwable e =
        Await.failure(
            client.fetchBlob(
                ImageReference.parse("127.0.0.1:" + registry.actualPort() + "/long"),
                new Descriptor("x", DIGEST, BLOB.length),
                tmp.resolve("b"),
                tmp.resolve("b.partial"),
                PullOptions.defaults().withCredentials("u", "p")));
    assertInstanceOf(DigestMismatchException.class, e);
    assertTrue(
        e.getMessage().contains("longer than the " + BLOB.length + " bytes"), e.getMessage());
    assertFalse(Files.exists(tmp.resolve("b")));
    assertFalse(Files.exists(tmp.resolve("b.partial")));
  }

  @Test
  void checksManifestsAgainstTheRegistrysDigestHeader() {
    Throwable e =
        Await.failure(
            client.fetchManifest(repo(), PullOptions.defaults().withCredentials("u", "p")));
    DigestMismatchException m = assertInstanceOf(DigestMismatchException.class, e);
    assertEquals(Digests.of(new byte[] {42}), m.expected());
  }

  @Test
  void refusesAManifestLargerThanFourMebibytes() {
    Throwable e =
        Await.failure(
            client.fetchManifest(
                ImageReference.parse("127.0.0.1:" + registry.actualPort() + "/huge:v1"),
                PullOptions.defaults().withCredentials("u", "p")));
    assertInstanceOf(ImagePullException.class, e);
    assertTrue(e.getMessage().contains("larger than 4 MiB; refusing it"), e.getMessage());
  }

  @Test
  void aRegistryThatNeverAnswersFailsThePullNamingTheRegistry() {
    RegistryClient impatient =
        RegistryClient.builder(vertx).withTimeout(Duration.ofMillis(300)).build();
    Throwable e =
        Await.failure(
            impatient.fetchManifest(
                ImageReference.parse("127.0.0.1:" + registry.actualPort() + "/silent:v1"),
                PullOptions.defaults().withCredentials("u", "p")));
    assertInstanceOf(ImagePullException.class, e);
    assertTrue(
        e.getMessage().contains("registry 127.0.0.1:" + registry.actualPort()), e.getMessage());
    assertTrue(e.getMessage().contains("300 ms"), e.getMessage());
    Await.result(impatient.close());
  }

  @Test
  void readsEveryResponseBodyWhenCalledFromManyThreads() throws Exception {
    // Small answers on loopback, asked from threads of their own, so requests from several
    // contexts share the pool's connections: a body must never reach the response before the
    // client has paused it to read it.
    ImageReference small = ImageReference.parse("127.0.0.1:" + registry.actualPort() + "/small:v1");
    List<Future<RawManifest>> fetches = new CopyOnWriteArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      Thread thread =
          new Thread(
              () -> {
                for (int i = 0; i < 50; i++) {
                  fetches.add(
                      client.fetchManifest(
                          small, PullOptions.defaults().withCredentials("u", "p")));
                }
              });
      thread.start();
      threads.add(thread);
    }
    for (Thread thread : threads) {
      thread.join();
    }
    Await.result(Future.join(new ArrayList<>(fetches)));
    for (Future<RawManifest> f : fetches) {
      assertEquals(Digests.of(SMALL_MANIFEST), f.result().digest());
    }
  }

  @Test
  void sendsAGetAgainOnAFreshConnectionWhenThePooledOneWasClosed() {
    ImageReference flaky = ImageReference.parse("127.0.0.1:" + registry.actualPort() + "/flaky:v1");
    for (int i = 0; i < 2; i++) {
      RawManifest m =
          Await.result(
              client.fetchManifest(flaky, PullOptions.defaults().withCredentials("u", "p")));
      assertEquals(Digests.of(SMALL_MANIFEST), m.digest());
    }
  }

  @Test
  void explainsMissingCredentials() {
    Throwable e = Await.failure(client.fetchManifest(repo(), PullOptions.defaults()));
    assertInstanceOf(ImagePullException.class, e);
    assertTrue(
        e.getMessage().contains("requires a user name and password for app (HTTP Basic)"),
        e.getMessage());
  }
}
