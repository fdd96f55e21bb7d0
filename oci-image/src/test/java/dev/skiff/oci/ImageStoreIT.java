package dev.skiff.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.oci.internal.Digests;
import dev.skiff.oci.internal.MediaTypes;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pull, verify, resume and collect against a real registry (docker-registry on loopback). */
class ImageStoreIT {
  @TempDir Path tmp;
  private Vertx vertx;
  private LocalRegistry registry;
  private RegistryClient client;
  private LayoutPusher pusher;

  @BeforeEach
  void setUp() throws IOException {
    LocalRegistry.assumeInstalled();
    vertx = Vertx.vertx();
    registry = LocalRegistry.start(Files.createDirectories(tmp.resolve("registry")));
    client = RegistryClient.builder(vertx).build();
    pusher = new LayoutPusher(vertx, client);
  }

  @AfterEach
  void tearDown() {
    if (registry != null) {
      registry.close();
    }
    if (vertx != null) {
      Await.result(client.close());
      Await.result(vertx.close());
    }
  }

  private ImageStore store(String name) {
    return ImageStore.builder(vertx)
        .withDataDir(tmp.resolve(name))
        .withRegistryClient(client)
        .build();
  }

  private String push(LayoutImage image, String repoAndTag) {
    return Await.result(
        pusher.push(
            image.layout(),
            image.tag(),
            registry.address() + "/" + repoAndTag,
            PushOptions.defaults()));
  }

  @Test
  void pullsPushedImageByTagAndByDigestAndItRuns() throws Exception {
    LayoutImage image = HelloServerImage.write(tmp, tmp.resolve("layout"), "latest");
    String pushed = push(image, "hello:v1");
    assertEquals(image.manifestDigest(), pushed);

    ImageStore store = store("node");
    long t0 = System.nanoTime();
    PreparedImage byTag =
        Await.result(store.prepare(registry.address() + "/hello:v1", PullOptions.defaults()));
    long pullMs = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(image.manifestDigest(), byTag.manifestDigest());
    assertEquals(registry.address() + "/hello:v1", byTag.reference());
    assertEquals(List.of("/hello-server"), byTag.config().entrypoint());
    assertEquals(List.of("PORT=8080", "PATH=/"), byTag.config().env());
    assertEquals(Set.of("8080/tcp"), byTag.config().exposedPorts());
    assertEquals(1, byTag.layers().size());
    Path layer = byTag.layers().get(0);
    assertEquals(
        store.root().resolve("layers").resolve(Digests.hex(image.diffIds().get(0))), layer);
    Path binary = layer.resolve("hello-server");
    assertEquals(0755, (int) Files.getAttribute(binary, "unix:mode") & 07777);
    assertTrue(
        Files.exists(
            store
                .root()
                .resolve("blobs/sha256")
                .resolve(Digests.hex(image.layers().get(0).digest()))));

    long t1 = System.nanoTime();
    PreparedImage byDigest =
        Await.result(
            store.prepare(
                registry.address() + "/hello@" + image.manifestDigest(), PullOptions.defaults()));
    long warmMs = (System.nanoTime() - t1) / 1_000_000;
    assertEquals(byTag.layers(), byDigest.layers());
    assertEquals(image.manifestDigest(), byDigest.manifestDigest());
    System.out.printf(
        "hello-server image (%d KiB compressed): cold pull+unpack %d ms,"
            + " prepare by digest when present %d ms%n",
        image.layers().get(0).size() / 1024, pullMs, warmMs);

    // The unpacked binary is the server: it answers with its revision.
    int port = freePort();
    ProcessBuilder pb = new ProcessBuilder(binary.toString());
    pb.environment().put("PORT", String.valueOf(port));
    pb.environment().put("K_REVISION", "hello-00001");
    Process server =
        pb.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      String body = getWithDeadline("http://127.0.0.1:" + port + "/");
      assertEquals("Hello from a container (revision hello-00001)\n", body);
    } finally {
      server.destroy();
      server.waitFor(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void measuresPullAndUnpackOfTheTestImage() throws Exception {
    LayoutImage image = HelloServerImage.write(tmp, tmp.resolve("layout"), "latest");
    push(image, "hello:bench");
    String ref = registry.address() + "/hello:bench";
    Descriptor layer = image.layers().get(0);
    List<Long> prepares = new ArrayList<>();
    List<Long> downloads = new ArrayList<>();
    List<Long> unpacks = new ArrayList<>();
    for (int i = 0; i < 12; i++) { // the first two warm the JIT and are dropped
      Path data = tmp.resolve("bench-" + i);
      ImageStore store =
          ImageStore.builder(vertx).withDataDir(data).withRegistryClient(client).build();
      long t0 = System.nanoTime();
      PreparedImage prepared = Await.result(store.prepare(ref, PullOptions.defaults()));
      prepares.add(System.nanoTime() - t0);

      Path blob = tmp.resolve("blob-" + i);
      long t1 = System.nanoTime();
      Await.result(
          client.fetchBlob(
              ImageReference.parse(ref),
              layer,
              blob,
              tmp.resolve("blob-" + i + ".partial"),
              PullOptions.defaults()));
      downloads.add(System.nanoTime() - t1);

      Path dir = Files.createDirectory(tmp.resolve("unpack-" + i));
      long t2 = System.nanoTime();
      try (var in = Files.newInputStream(blob)) {
        dev.skiff.oci.internal.LayerUnpacker.unpack(in, dir, "bench", image.diffIds().get(0));
      }
      unpacks.add(System.nanoTime() - t2);
      assertEquals(
          Files.size(dir.resolve("hello-server")),
          Files.size(prepared.layers().get(0).resolve("hello-server")));
      Await.result(store.close());
    }
    System.out.printf(
        "hello-server image, %d KiB gzip / %d KiB unpacked, loopback registry,"
            + " median of 10 (min): prepare by tag into an empty store %.1f ms (%.1f);"
            + " layer download %.1f ms (%.1f); unpack %.1f ms (%.1f)%n",
        layer.size() / 1024,
        Files.size(tmp.resolve("hello-server")) / 1024,
        median(prepares),
        min(prepares),
        median(downloads),
        min(downloads),
        median(unpacks),
        min(unpacks));
  }

  private static double median(List<Long> nanos) {
    List<Long> s = nanos.subList(2, nanos.size()).stream().sorted().toList();
    return (s.get(s.size() / 2 - 1) + s.get(s.size() / 2)) / 2e6;
  }

  private static double min(List<Long> nanos) {
    return nanos.subList(2, nanos.size()).stream().mapToLong(Long::longValue).min().orElse(0) / 1e6;
  }

  @Test
  void pinnedDigestKeepsContentWhenTagMovesAndNeedsNoRegistry() throws Exception {
    LayoutImage one = simpleImage("one", "first");
    LayoutImage two = simpleImage("two", "second");
    push(one, "app:stable");
    ImageStore store = store("node");
    PreparedImage first =
        Await.result(store.prepare(registry.address() + "/app:stable", PullOptions.defaults()));
    assertEquals(one.manifestDigest(), first.manifestDigest());

    push(two, "app:stable"); // the tag moves
    PreparedImage moved =
        Await.result(store.prepare(registry.address() + "/app:stable", PullOptions.defaults()));
    assertEquals(two.manifestDigest(), moved.manifestDigest());

    registry.close(); // a revision pinned to its digest prepares from the node's store alone
    assertEquals(registry.address() + "/app@" + one.manifestDigest(), first.pinnedReference());
    PreparedImage pinned =
        Await.result(store.prepare(first.pinnedReference(), PullOptions.defaults()));
    assertEquals(first.layers(), pinned.layers());
    assertEquals("first", Files.readString(pinned.layers().get(0).resolve("etc/version")));
    Throwable offline =
        Await.failure(store.prepare(registry.address() + "/app:stable", PullOptions.defaults()));
    assertInstanceOf(ImagePullException.class, offline);
    assertTrue(offline.getMessage().contains("cannot reach registry"), offline.getMessage());
  }

  @Test
  void rejectsTamperedLayerBlobNamingBothDigests() throws Exception {
    LayoutImage image = simpleImage("img", "content");
    push(image, "tampered:v1");
    String layerDigest = image.layers().get(0).digest();
    Path data = registry.blobData(layerDigest);
    byte[] bytes = Files.readAllBytes(data);
    bytes[bytes.length / 2] ^= 0x55; // same length, different content
    Files.write(data, bytes);

    ImageStore store = store("node");
    Throwable err =
        Await.failure(store.prepare(registry.address() + "/tampered:v1", PullOptions.defaults()));
    DigestMismatchException mismatch = assertInstanceOf(DigestMismatchException.class, err);
    assertEquals(layerDigest, mismatch.expected());
    assertEquals(Digests.of(bytes), mismatch.actual());
    assertTrue(
        err.getMessage().contains("expected digest " + layerDigest + ", got " + Digests.of(bytes)),
        err.getMessage());
    Path blobs = store.root().resolve("blobs/sha256");
    assertFalse(Files.exists(blobs.resolve(Digests.hex(layerDigest))), "tampered blob was stored");
    assertFalse(
        Files.exists(store.root().resolve("ingest").resolve(Digests.hex(layerDigest) + ".partial")),
        "tampered partial kept");
    try (Stream<Path> layers = Files.list(store.root().resolve("layers"))) {
      assertEquals(0, layers.count());
    }
  }

  @Test
  void rejectsTamperedManifest() throws Exception {
    LayoutImage image = simpleImage("img", "content");
    push(image, "tampered:v2");
    Path data = registry.blobData(image.manifestDigest());
    String json = Files.readString(data);
    Files.writeString(data, json.replace("\"schemaVersion\":2", "\"schemaVersion\":2 "));

    Throwable byTag =
        Await.failure(
            store("a").prepare(registry.address() + "/tampered:v2", PullOptions.defaults()));
    assertInstanceOf(DigestMismatchException.class, byTag);
    assertTrue(byTag.getMessage().contains(image.manifestDigest()), byTag.getMessage());
    Throwable byDigest =
        Await.failure(
            store("b")
                .prepare(
                    registry.address() + "/tampered@" + image.manifestDigest(),
                    PullOptions.defaults()));
    assertInstanceOf(DigestMismatchException.class, byDigest);
  }

  @Test
  void pullProgressGrowsToTheLayersTotalAndSaysNothingWhenAllIsHere() throws Exception {
    byte[] big = new byte[4 * 1024 * 1024];
    new Random(7).nextBytes(big);
    LayoutImage image =
        OciLayoutWriter.builder()
            .addLayer(
                ImageLayer.builder()
                    .withCompression(ImageLayer.Compression.NONE)
                    .file("data.bin", big, 0644)
                    .build())
            .addLayer(ImageLayer.builder().file("small.txt", new byte[] {'h', 'i'}, 0644).build())
            .build()
            .write(tmp.resolve("layout-progress"), "progress");
    push(image, "progress:v1");
    long total = image.layers().stream().mapToLong(Descriptor::size).sum();
    ImageStore store =
        ImageStore.builder(vertx)
            .withDataDir(tmp.resolve("node"))
            .withRegistryClient(client)
            .withProgressInterval(Duration.ofMillis(1))
            .build();
    List<PullProgress.Status> seen = Collections.synchronizedList(new ArrayList<>());
    String ref = registry.address() + "/progress:v1";

    Await.result(store.prepare(ref, PullOptions.defaults(), seen::add));

    List<PullProgress.Status> statuses = List.copyOf(seen);
    assertFalse(statuses.isEmpty(), "a pull that downloads reports its progress");
    PullProgress.Status last = statuses.get(statuses.size() - 1);
    assertTrue(last.done(), statuses::toString);
    assertEquals(total, last.receivedBytes(), statuses::toString);
    assertEquals(total, last.totalBytes());
    assertEquals(2, last.layersDone());
    assertEquals(2, last.layers());
    for (int i = 0; i < statuses.size(); i++) {
      PullProgress.Status s = statuses.get(i);
      assertEquals(ref, s.reference());
      assertEquals(total, s.totalBytes());
      assertTrue(s.receivedBytes() <= total, statuses::toString);
      assertEquals(i == statuses.size() - 1, s.done(), statuses::toString);
      if (i > 0) {
        PullProgress.Status before = statuses.get(i - 1);
        assertTrue(s.receivedBytes() >= before.receivedBytes(), statuses::toString);
        assertTrue(s.layersDone() >= before.layersDone(), statuses::toString);
      }
    }

    System.out.printf(
        "pull progress: %d reports (every 1 ms at most) for %d bytes in 2 layers%n",
        statuses.size(), total);
    List<PullProgress.Status> again = Collections.synchronizedList(new ArrayList<>());
    Await.result(store.prepare(ref, PullOptions.defaults(), again::add));
    assertEquals(List.of(), again, "nothing to download, nothing to report");
  }

  @Test
  void resumesPartialDownloadWithRange() throws Exception {
    byte[] big = new byte[3 * 1024 * 1024];
    new Random(42).nextBytes(big);
    LayoutImage image =
        OciLayoutWriter.builder()
            .addLayer(
                ImageLayer.builder()
                    .withCompression(ImageLayer.Compression.NONE)
                    .file("data.bin", big, 0644)
                    .build())
            .build()
            .write(tmp.resolve("layout-big"), "big");
    push(image, "big:v1");
    Descriptor layer = image.layers().get(0);
    byte[] blob =
        Files.readAllBytes(
            image.layout().resolve("blobs/sha256").resolve(Digests.hex(layer.digest())));

    ImageStore store = store("node");
    Path partial = store.root().resolve("ingest").resolve(Digests.hex(layer.digest()) + ".partial");
    Path target = store.root().resolve("blobs/sha256").resolve(Digests.hex(layer.digest()));
    int half = blob.length / 2;
    Files.write(partial, Arrays.copyOf(blob, half)); // an interrupted earlier download

    ImageReference repo = ImageReference.parse(registry.address() + "/big:v1");
    BlobDownload resumed =
        Await.result(client.fetchBlob(repo, layer, target, partial, PullOptions.defaults()));
    assertEquals(half, resumed.resumedFrom());
    assertEquals(blob.length - half, resumed.transferred());
    assertEquals(layer.digest(), Digests.of(target));
    assertFalse(Files.exists(partial));

    // A partial with wrong bytes: the resumed result fails verification, the client restarts whole.
    Files.delete(target);
    byte[] garbage = Arrays.copyOf(blob, half);
    garbage[10] ^= 1;
    Files.write(partial, garbage);
    BlobDownload restarted =
        Await.result(client.fetchBlob(repo, layer, target, partial, PullOptions.defaults()));
    assertEquals(0, restarted.resumedFrom());
    assertEquals(blob.length, restarted.transferred());
    assertEquals(layer.digest(), Digests.of(target));

    // And through the store: a partial left behind is resumed by prepare.
    Files.delete(target);
    Files.write(partial, Arrays.copyOf(blob, blob.length - 1000));
    PreparedImage prepared =
        Await.result(store.prepare(registry.address() + "/big:v1", PullOptions.defaults()));
    assertEquals(big.length, Files.size(prepared.layers().get(0).resolve("data.bin")));
  }

  @Test
  void picksLinuxAmd64FromAnIndex() throws Exception {
    Path layout = tmp.resolve("multi");
    LayoutImage arm =
        OciLayoutWriter.builder()
            .withPlatform(new Platform("linux", "arm64", "v8"))
            .addLayer(
                ImageLayer.builder()
                    .file("arch", "arm64".getBytes(StandardCharsets.UTF_8), 0644)
                    .build())
            .build()
            .write(layout, "arm64");
    LayoutImage amd =
        OciLayoutWriter.builder()
            .addLayer(
                ImageLayer.builder()
                    .file("arch", "amd64".getBytes(StandardCharsets.UTF_8), 0644)
                    .build())
            .build()
            .write(layout, "amd64");
    JsonArray entries =
        new JsonArray()
            .add(descriptor(arm.manifest(), "linux", "arm64"))
            .add(descriptor(amd.manifest(), "linux", "amd64"));
    byte[] index =
        new JsonObject()
            .put("schemaVersion", 2)
            .put("mediaType", MediaTypes.OCI_INDEX)
            .put("manifests", entries)
            .encode()
            .getBytes(StandardCharsets.UTF_8);
    String indexDigest = Digests.of(index);
    Files.write(layout.resolve("blobs/sha256").resolve(Digests.hex(indexDigest)), index);
    JsonObject layoutIndex = new JsonObject(Files.readString(layout.resolve("index.json")));
    layoutIndex
        .getJsonArray("manifests")
        .add(
            new JsonObject()
                .put("mediaType", MediaTypes.OCI_INDEX)
                .put("digest", indexDigest)
                .put("size", index.length)
                .put(
                    "annotations",
                    new JsonObject().put("org.opencontainers.image.ref.name", "multi")));
    Files.writeString(layout.resolve("index.json"), layoutIndex.encode());

    assertEquals(
        indexDigest,
        Await.result(
            pusher.push(
                layout, "multi", registry.address() + "/multi:latest", PushOptions.defaults())));
    ImageStore store = store("node");
    PreparedImage image =
        Await.result(store.prepare(registry.address() + "/multi", PullOptions.defaults()));
    assertEquals(indexDigest, image.manifestDigest());
    assertEquals("amd64", Files.readString(image.layers().get(0).resolve("arch")));
    PreparedImage arm64 =
        Await.result(
            store.prepare(
                registry.address() + "/multi",
                PullOptions.defaults().withPlatform(new Platform("linux", "arm64", null))));
    assertEquals("arm64", Files.readString(arm64.layers().get(0).resolve("arch")));
    Throwable none =
        Await.failure(
            store.prepare(
                registry.address() + "/multi",
                PullOptions.defaults().withPlatform(new Platform("linux", "s390x", null))));
    assertTrue(none.getMessage().contains("has no image for linux/s390x"), none.getMessage());
  }

  @Test
  void gcRemovesOnlyUnreferencedBlobsAndLayers() throws Exception {
    ImageLayer base =
        ImageLayer.builder()
            .file("etc/base", "base".getBytes(StandardCharsets.UTF_8), 0644)
            .build();
    LayoutImage a =
        OciLayoutWriter.builder()
            .addLayer(base)
            .addLayer(
                ImageLayer.builder().file("a", "a".getBytes(StandardCharsets.UTF_8), 0644).build())
            .build()
            .write(tmp.resolve("la"), "a");
    LayoutImage b =
        OciLayoutWriter.builder()
            .addLayer(base)
            .addLayer(
                ImageLayer.builder().file("b", "b".getBytes(StandardCharsets.UTF_8), 0644).build())
            .build()
            .write(tmp.resolve("lb"), "b");
    push(a, "a:v1");
    push(b, "b:v1");
    Instant now = Instant.parse("2030-01-01T00:00:00Z");
    ImageStore store =
        ImageStore.builder(vertx)
            .withDataDir(tmp.resolve("node"))
            .withRegistryClient(client)
            .withClock(Clock.fixed(now, ZoneOffset.UTC))
            .withPartialRetention(Duration.ofHours(1))
            .build();
    PreparedImage pa =
        Await.result(store.prepare(registry.address() + "/a:v1", PullOptions.defaults()));
    PreparedImage pb =
        Await.result(store.prepare(registry.address() + "/b:v1", PullOptions.defaults()));
    assertEquals(pa.layers().get(0), pb.layers().get(0)); // the shared base is unpacked once
    Path ingest = store.root().resolve("ingest");
    Path stale = Files.write(ingest.resolve("0".repeat(64) + ".partial"), new byte[10]);
    Files.setLastModifiedTime(stale, FileTime.from(now.minus(Duration.ofHours(2))));
    Path fresh = Files.write(ingest.resolve("1".repeat(64) + ".partial"), new byte[10]);
    Files.setLastModifiedTime(fresh, FileTime.from(now.minus(Duration.ofMinutes(5))));

    GcResult keepA = Await.result(store.gc(Set.of(pa.manifestDigest())));
    // b's manifest, config and top layer blob go; so does its top layer directory.
    assertEquals(3, keepA.blobsRemoved());
    assertEquals(1, keepA.layersRemoved());
    Set<String> expected = new HashSet<>();
    expected.add(a.manifestDigest());
    expected.add(a.config().digest());
    a.layers().forEach(l -> expected.add(l.digest()));
    assertEquals(expected, blobs(store));
    assertTrue(Files.isDirectory(pa.layers().get(0)));
    assertTrue(Files.isDirectory(pa.layers().get(1)));
    assertFalse(Files.exists(pb.layers().get(1)));
    assertFalse(Files.exists(stale));
    assertTrue(Files.exists(fresh));

    registry.close(); // what was kept is complete: a prepares by digest without the registry
    Await.result(
        store.prepare(registry.address() + "/a@" + pa.manifestDigest(), PullOptions.defaults()));

    GcResult all = Await.result(store.gc(Set.of()));
    assertEquals(4, all.blobsRemoved());
    assertEquals(2, all.layersRemoved());
    assertEquals(Set.of(), blobs(store));
  }

  // ---- helpers ----

  private LayoutImage simpleImage(String tag, String version) {
    return OciLayoutWriter.builder()
        .withConfig(
            new ImageConfig(
                List.of("/bin/app"),
                List.of("--serve"),
                List.of("A=1"),
                "/srv",
                "1000:1000",
                Set.of()))
        .addLayer(
            ImageLayer.builder()
                .file("etc/version", version.getBytes(StandardCharsets.UTF_8), 0644)
                .build())
        .build()
        .write(tmp.resolve("layout-" + tag), tag);
  }

  private static JsonObject descriptor(Descriptor d, String os, String arch) {
    return new JsonObject()
        .put("mediaType", d.mediaType())
        .put("digest", d.digest())
        .put("size", d.size())
        .put("platform", new JsonObject().put("os", os).put("architecture", arch));
  }

  private static Set<String> blobs(ImageStore store) throws IOException {
    try (Stream<Path> s = Files.list(store.root().resolve("blobs/sha256"))) {
      return s.map(p -> "sha256:" + p.getFileName()).collect(Collectors.toSet());
    }
  }

  private static int freePort() throws IOException {
    try (java.net.ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static String getWithDeadline(String url) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    IOException last = null;
    while (System.nanoTime() < deadline) {
      try {
        return http.send(
                HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
      } catch (IOException e) {
        last = e;
        Thread.sleep(20);
      }
    }
    throw last;
  }
}
