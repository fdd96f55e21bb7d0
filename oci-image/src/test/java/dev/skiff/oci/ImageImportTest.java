package dev.skiff.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.oci.internal.Digests;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Importing OCI image layouts into the image store, with no registry running: {@code local.skiff}
 * references resolve from the store alone, others by digest.
 */
class ImageImportTest {
  private static final String HELLO = "local.skiff/examples/hello:1";

  @TempDir Path tmp;
  private Vertx vertx;
  private final List<ImageStore> stores = new ArrayList<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() {
    stores.forEach(s -> Await.result(s.close()));
    Await.result(vertx.close());
  }

  /** A store on the node data directory {@code tmp/node}; a second one is the node restarted. */
  private ImageStore store() {
    ImageStore store = ImageStore.builder(vertx).withDataDir(tmp.resolve("node")).build();
    stores.add(store);
    return store;
  }

  private LayoutImage writeImage(Path layout, String tag, String greeting) {
    return OciLayoutWriter.builder()
        .withConfig(
            new ImageConfig(
                List.of("/bin/greet"),
                List.of(),
                List.of("GREETING=" + greeting),
                "/",
                "",
                Set.of("8080/tcp")))
        .addLayer(
            ImageLayer.builder()
                .directory("bin", 0755)
                .file("bin/greet", greeting.getBytes(StandardCharsets.UTF_8), 0755)
                .build())
        .build()
        .write(layout, tag);
  }

  private static Path blob(LayoutImage image, String digest) {
    return image.layout().resolve("blobs/sha256").resolve(Digests.hex(digest));
  }

  /** host:port on loopback where nothing listens: any registry call there fails. */
  private static String closedRegistry() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return "127.0.0.1:" + s.getLocalPort();
    }
  }

  @Test
  void importedLocalImagePreparesByTagAndDigestWithoutRegistryAfterRestart() throws IOException {
    LayoutImage image = writeImage(tmp.resolve("layout"), "1", "hi");

    PreparedImage imported = Await.result(store().importLayout(image.layout(), HELLO));

    assertEquals(HELLO, imported.reference());
    assertEquals(image.manifestDigest(), imported.manifestDigest());
    assertEquals(List.of("/bin/greet"), imported.config().entrypoint());
    assertEquals("hi", Files.readString(imported.layers().get(0).resolve("bin/greet")));

    ImageStore restarted = store();
    PreparedImage byTag = Await.result(restarted.prepare(HELLO, PullOptions.defaults()));
    PreparedImage byDigest =
        Await.result(
            restarted.prepare(
                "local.skiff/examples/hello@" + image.manifestDigest(), PullOptions.defaults()));
    assertEquals(imported, byTag);
    assertEquals(image.manifestDigest(), byDigest.manifestDigest());
    assertEquals(imported.layers(), byDigest.layers());
    assertEquals("local.skiff/examples/hello@" + image.manifestDigest(), byTag.pinnedReference());
  }

  @Test
  void unknownLocalReferenceFailsSayingItMustBeImported() {
    ImageStore store = store();

    Throwable byTag =
        Await.failure(store.prepare("local.skiff/examples/nope:1", PullOptions.defaults()));
    String digest = "sha256:" + "ab".repeat(32);
    Throwable byDigest =
        Await.failure(store.prepare("local.skiff/examples/nope@" + digest, PullOptions.defaults()));

    assertInstanceOf(ImagePullException.class, byTag);
    assertTrue(
        byTag
            .getMessage()
            .startsWith(
                "local.skiff/examples/nope:1 is not in this node's"
                    + " image store (no image was imported under this tag); local.skiff images are never"
                    + " pulled from a registry, so it must be imported"),
        byTag.getMessage());
    assertInstanceOf(ImagePullException.class, byDigest);
    assertTrue(
        byDigest.getMessage().contains("local.skiff/examples/nope@" + digest),
        byDigest.getMessage());
    assertTrue(byDigest.getMessage().contains("must be imported"), byDigest.getMessage());
  }

  @Test
  void importedRegistryImageResolvesByDigestLocallyWhileItsTagStaysTheRegistrys()
      throws IOException {
    LayoutImage image = writeImage(tmp.resolve("layout"), "latest", "hi");
    String repo = closedRegistry() + "/hello";
    ImageStore store = store();

    PreparedImage imported = Await.result(store.importLayout(image.layout(), repo + ":v1"));
    PreparedImage byDigest =
        Await.result(store.prepare(repo + "@" + image.manifestDigest(), PullOptions.defaults()));
    Throwable byTag = Await.failure(store.prepare(repo + ":v1", PullOptions.defaults()));

    assertEquals(repo + ":v1", imported.reference());
    assertEquals(imported.layers(), byDigest.layers());
    assertInstanceOf(ImagePullException.class, byTag); // tags move: asked of the registry, down
  }

  @Test
  void importsTheImageTheTagNamesFromALayoutWithSeveral() {
    Path layout = tmp.resolve("layout");
    writeImage(layout, "a", "from a");
    LayoutImage b = writeImage(layout, "b", "from b");
    ImageStore store = store();

    PreparedImage imported = Await.result(store.importLayout(layout, "local.skiff/x:b"));
    Throwable none = Await.failure(store.importLayout(layout, "local.skiff/x:c"));

    assertEquals(b.manifestDigest(), imported.manifestDigest());
    assertInstanceOf(ImagePullException.class, none);
    assertTrue(none.getMessage().contains("has 0 images named 'c'"), none.getMessage());
    assertTrue(none.getMessage().contains("(it has: [a, b])"), none.getMessage());
  }

  @Test
  void corruptedLayoutIsRejectedAndRecordsNoTag() throws IOException {
    LayoutImage image = writeImage(tmp.resolve("layout"), "1", "hi");
    Path layer = blob(image, image.layers().get(0).digest());
    byte[] bytes = Files.readAllBytes(layer);
    bytes[bytes.length / 2] ^= 1;
    Files.write(layer, bytes);
    ImageStore store = store();

    Throwable failure = Await.failure(store.importLayout(image.layout(), HELLO));
    Throwable after = Await.failure(store.prepare(HELLO, PullOptions.defaults()));

    assertInstanceOf(ImagePullException.class, failure);
    assertTrue(
        failure
            .getMessage()
            .contains(
                "is corrupted: blob " + image.layers().get(0).digest() + " hashes to sha256:"),
        failure.getMessage());
    assertTrue(
        after.getMessage().contains("no image was imported under this tag"), after.getMessage());
    assertTrue(
        Files.notExists(
            store
                .root()
                .resolve("blobs/sha256")
                .resolve(Digests.hex(image.layers().get(0).digest()))));
  }

  @Test
  void incompleteLayoutIsRejected() throws IOException {
    LayoutImage image = writeImage(tmp.resolve("layout"), "1", "hi");
    Files.delete(blob(image, image.config().digest()));

    Throwable failure = Await.failure(store().importLayout(image.layout(), HELLO));

    assertInstanceOf(ImagePullException.class, failure);
    assertTrue(
        failure.getMessage().contains("is incomplete: it lacks blob " + image.config().digest()),
        failure.getMessage());
  }

  @Test
  void directoryWithoutLayoutIsRejected() throws IOException {
    Path empty = Files.createDirectories(tmp.resolve("empty"));

    Throwable failure = Await.failure(store().importLayout(empty, HELLO));

    assertInstanceOf(ImagePullException.class, failure);
    assertTrue(failure.getMessage().contains("is not an OCI image layout"), failure.getMessage());
  }

  @Test
  void gcKeepsImportedImagesUntilTheirTagNamesAnother() {
    LayoutImage first = writeImage(tmp.resolve("first"), "1", "first");
    LayoutImage second = writeImage(tmp.resolve("second"), "1", "second");
    ImageStore store = store();
    Await.result(store.importLayout(first.layout(), HELLO));

    GcResult kept = Await.result(store.gc(Set.of()));
    Await.result(store.importLayout(second.layout(), HELLO));
    GcResult released = Await.result(store.gc(Set.of()));
    PreparedImage now = Await.result(store.prepare(HELLO, PullOptions.defaults()));

    assertEquals(new GcResult(0, 0, 0), kept);
    assertEquals(3, released.blobsRemoved()); // the first image's manifest, config and layer
    assertEquals(1, released.layersRemoved());
    assertEquals(second.manifestDigest(), now.manifestDigest());
  }

  @Test
  void aPinnedImagePreparesAgainUntilGcRemovesIt() {
    LayoutImage first = writeImage(tmp.resolve("first"), "1", "first");
    LayoutImage second = writeImage(tmp.resolve("second"), "1", "second");
    ImageStore store = store();
    Await.result(store.importLayout(first.layout(), HELLO));
    String pinned = "local.skiff/examples/hello@" + first.manifestDigest();
    PreparedImage once = Await.result(store.prepare(pinned, PullOptions.defaults()));
    PreparedImage twice = Await.result(store.prepare(pinned, PullOptions.defaults()));
    assertEquals(once, twice);

    // The tag moves on and gc removes the first image: preparing it by digest must fail now, not
    // answer from what was prepared before.
    Await.result(store.importLayout(second.layout(), HELLO));
    Await.result(store.gc(Set.of()));
    Throwable gone = Await.failure(store.prepare(pinned, PullOptions.defaults()));
    assertTrue(gone.getMessage().contains(first.manifestDigest()), gone.getMessage());
  }
}
