package dev.skiff.node.oci;

import dev.skiff.node.oci.internal.AsyncGate;
import dev.skiff.node.oci.internal.BlobStore;
import dev.skiff.node.oci.internal.Collector;
import dev.skiff.node.oci.internal.Digests;
import dev.skiff.node.oci.internal.FileSync;
import dev.skiff.node.oci.internal.LayerUnpacker;
import dev.skiff.node.oci.internal.Manifests;
import dev.skiff.node.oci.internal.Manifests.ImageManifest;
import dev.skiff.node.oci.internal.Manifests.ParsedConfig;
import dev.skiff.node.oci.internal.MediaTypes;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The node's images, like containerd's content store plus an overlay snapshotter: pulls images into
 * a content-addressed store shared by all revisions ({@code {data}/oci/blobs/sha256/<hex>}), unpacks
 * each layer once into {@code {data}/oci/layers/<diff-id hex>/} as an overlayfs lower directory, and
 * collects what no revision references any more.
 *
 * <p>Every method may be called from an event loop. Concurrent prepares of images that share blobs
 * or layers download and unpack each of them once; garbage collection waits for running prepares and
 * holds new ones back until it is done.
 */
public final class ImageStore {
  private static final System.Logger LOG = System.getLogger(ImageStore.class.getName());
  private static final AtomicInteger POOLS = new AtomicInteger();
  private static final int MAX_INDEX_DEPTH = 2;

  private final BlobStore store;
  private final RegistryClient registry;
  private final boolean ownsRegistry;
  private final WorkerExecutor local;
  private final Clock clock;
  private final Duration partialRetention;
  private final AsyncGate gate = new AsyncGate();
  private final Map<String, Future<?>> inFlight = new ConcurrentHashMap<>();

  private ImageStore(Builder b) {
    try {
      this.store = new BlobStore(b.dataDir.resolve("oci"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the image store under " + b.dataDir, e);
    }
    this.ownsRegistry = b.registry == null;
    this.registry = b.registry != null ? b.registry : RegistryClient.builder(b.vertx)
        .withConcurrentTransfers(b.downloads).withClock(b.clock).build();
    this.local = b.vertx.createSharedWorkerExecutor(
        "skiff-oci-unpack-" + POOLS.incrementAndGet(), b.unpackers, 6, TimeUnit.HOURS);
    this.clock = b.clock;
    this.partialRetention = b.partialRetention;
  }

  public static Builder builder(Vertx vertx) {
    return new Builder(vertx);
  }

  /** {@code {data}/oci}: blobs, ingest and layers live under it. */
  public Path root() {
    return store.root();
  }

  /**
   * Makes the image ready to run: resolves the reference, downloads and verifies what is missing,
   * unpacks missing layers. A reference by digest whose content is already here needs no registry;
   * a tag is always resolved against the registry, since tags move.
   *
   * @return the image, with {@link PreparedImage#manifestDigest()} for the revision to record; fails
   *     with {@link ImagePullException} (or its subclasses {@link DigestMismatchException} and
   *     {@link UnsafeLayerException}), or {@link InvalidImageReferenceException}
   */
  public Future<PreparedImage> prepare(String reference, PullOptions options) {
    ImageReference ref;
    try {
      ref = ImageReference.parse(reference);
    } catch (InvalidImageReferenceException e) {
      return Future.failedFuture(e);
    }
    long start = System.nanoTime();
    return gate.enterShared()
        .compose(v -> pull(ref, options).andThen(ar -> gate.exitShared()))
        .onSuccess(img -> LOG.log(Level.DEBUG, () -> "prepared " + ref + " (" + img.manifestDigest()
            + ", " + img.layers().size() + " layers) in "
            + (System.nanoTime() - start) / 1_000_000 + " ms"));
  }

  /**
   * Removes every blob and unpacked layer not reachable from {@code referenced} (manifest or index
   * digests, as {@link PreparedImage#manifestDigest()} returned them), and partial downloads older
   * than the retention. The caller must name every image a revision on this node may still run.
   */
  public Future<GcResult> gc(Set<String> referenced) {
    Set<String> keep = Set.copyOf(referenced);
    return gate.enterExclusive()
        .compose(v -> blocking(() -> Collector.collect(store, keep,
                clock.instant().minus(partialRetention)))
            .andThen(ar -> gate.exitExclusive()));
  }

  /** Releases the worker pools (and the registry client, unless it was given). */
  public Future<Void> close() {
    Future<Void> r = ownsRegistry ? registry.close() : Future.succeededFuture();
    return Future.join(r, local.close()).mapEmpty();
  }

  // ---- pull ----

  private Future<PreparedImage> pull(ImageReference ref, PullOptions options) {
    return manifest(ref, options).compose(top -> imageManifest(ref, top, options, 0)
        .compose(manifest -> image(ref, top.digest(), manifest, options)))
        .recover(err -> Future.failedFuture(wrap(ref, err)));
  }

  /** The manifest or index {@code ref} names: from the store when pinned and present. */
  private Future<RawManifest> manifest(ImageReference ref, PullOptions options) {
    if (ref.digest() != null) {
      return blocking(() -> {
        byte[] bytes = store.read(ref.digest());
        return bytes == null ? null
            : new RawManifest(ref.digest(), Manifests.mediaType(null, bytes), bytes);
      }).compose(cached -> cached != null
          ? Future.succeededFuture(cached) : fetchManifest(ref, options));
    }
    return fetchManifest(ref, options);
  }

  private Future<RawManifest> fetchManifest(ImageReference ref, PullOptions options) {
    return registry.fetchManifest(ref, options).compose(m -> blocking(() -> {
      store.put(m.digest(), m.bytes());
      return m;
    }));
  }

  /** Follows an index to the image manifest for the wanted platform. */
  private Future<ImageManifest> imageManifest(ImageReference ref, RawManifest m, PullOptions options,
      int depth) {
    if (MediaTypes.isManifest(m.mediaType())) {
      return Future.succeededFuture(Manifests.manifest(m.bytes()));
    }
    if (!MediaTypes.isIndex(m.mediaType())) {
      return Future.failedFuture(new ImagePullException(ref + " is a " + m.mediaType()
          + ", not a container image manifest or index"));
    }
    if (depth >= MAX_INDEX_DEPTH) {
      return Future.failedFuture(new ImagePullException(ref + ": indexes nest too deeply"));
    }
    List<Descriptor> entries = Manifests.index(m.bytes());
    Descriptor chosen = entries.stream()
        .filter(d -> MediaTypes.isManifest(d.mediaType()) || MediaTypes.isIndex(d.mediaType()))
        .filter(d -> options.platform().matches(d.platform()))
        .findFirst().orElse(null);
    if (chosen == null) {
      String available = entries.stream().map(d -> String.valueOf(d.platform()))
          .collect(Collectors.joining(", "));
      return Future.failedFuture(new ImagePullException(ref + " has no image for "
          + options.platform() + " (it has: " + available + ")"));
    }
    return manifest(ref.withDigest(chosen.digest()), options)
        .compose(child -> imageManifest(ref, child, options, depth + 1));
  }

  private Future<PreparedImage> image(ImageReference ref, String digest, ImageManifest manifest,
      PullOptions options) {
    Descriptor configBlob = manifest.config();
    if (!MediaTypes.isConfig(configBlob.mediaType())) {
      return Future.failedFuture(new ImagePullException(ref + " is not a container image: its config"
          + " is " + configBlob.mediaType() + " (an artifact such as a Wasm module?)"));
    }
    for (Descriptor layer : manifest.layers()) {
      if (!MediaTypes.isLayer(layer.mediaType())) {
        return Future.failedFuture(new ImagePullException(ref + ": layer " + layer.digest()
            + " has unsupported media type " + layer.mediaType()));
      }
    }
    return blob(ref, configBlob, options)
        .compose(path -> blocking(() -> Manifests.config(store.read(configBlob.digest()))))
        .compose(config -> checkPlatform(ref, config, options.platform()))
        .compose(config -> layers(ref, manifest, config, options)
            .map(dirs -> new PreparedImage(ref.toString(), digest, config.config(), dirs)));
  }

  /** A single-platform image for another machine would only fail later, with "exec format error". */
  private static Future<ParsedConfig> checkPlatform(ImageReference ref, ParsedConfig config,
      Platform wanted) {
    boolean osDiffers = config.os() != null && !config.os().equals(wanted.os());
    boolean archDiffers = config.architecture() != null
        && !config.architecture().equals(wanted.architecture());
    if (osDiffers || archDiffers) {
      return Future.failedFuture(new ImagePullException(ref + " is built for " + config.os() + "/"
          + config.architecture() + ", not " + wanted + "; push an image (or index) for " + wanted));
    }
    return Future.succeededFuture(config);
  }

  private Future<List<Path>> layers(ImageReference ref, ImageManifest manifest, ParsedConfig config,
      PullOptions options) {
    List<Descriptor> layers = manifest.layers();
    if (layers.size() != config.diffIds().size()) {
      return Future.failedFuture(new ImagePullException(ref + ": the manifest lists "
          + layers.size() + " layers but the config " + config.diffIds().size() + " diff ids"));
    }
    List<Future<Path>> dirs = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      String diffId = config.diffIds().get(i);
      if (!Digests.isValid(diffId)) {
        return Future.failedFuture(new ImagePullException(ref + ": diff id '" + diffId
            + "' is not a sha256 digest"));
      }
      dirs.add(layer(ref, layers.get(i), diffId, options));
    }
    return Future.all(dirs).map(all -> all.<Path>list());
  }

  /** One layer directory: present already, or downloaded and unpacked once for all callers. */
  private Future<Path> layer(ImageReference ref, Descriptor blob, String diffId,
      PullOptions options) {
    Path dir = store.layer(diffId);
    return once("layer " + diffId, () -> blocking(() -> Files.isDirectory(dir))
        .compose(present -> present ? Future.succeededFuture(dir)
            : blob(ref, blob, options)
                .compose(file -> blocking(() -> unpack(ref, blob, diffId, file)))));
  }

  private Future<Path> blob(ImageReference ref, Descriptor blob, PullOptions options) {
    return once("blob " + blob.digest(), () -> registry.fetchBlob(ref, blob,
        store.blob(blob.digest()), store.partial(blob.digest()), options).map(BlobDownload::path));
  }

  private Path unpack(ImageReference ref, Descriptor blob, String diffId, Path file)
      throws IOException {
    Path dir = store.layer(diffId);
    Path tmp = Files.createTempDirectory(store.layersDir(), "." + Digests.hex(diffId) + "-");
    try {
      Files.setAttribute(tmp, "unix:mode", 0755);
      long start = System.nanoTime();
      try (InputStream in = Files.newInputStream(file)) {
        LayerUnpacker.unpack(in, tmp, "layer " + blob.digest() + " of " + ref.name(), diffId);
      }
      FileSync.fileSystem(tmp);
      try {
        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | DirectoryNotEmptyException raced) {
        return dir; // another process unpacked it first; its copy is as good as ours
      }
      FileSync.directory(store.layersDir());
      LOG.log(Level.DEBUG, () -> "unpacked " + blob.digest() + " in "
          + (System.nanoTime() - start) / 1_000_000 + " ms");
      return dir;
    } finally {
      LayerUnpacker.deleteTree(tmp);
    }
  }

  // ---- plumbing ----

  private <T> Future<T> blocking(Callable<T> work) {
    return local.executeBlocking(work, false);
  }

  /** Runs {@code work} once per key at a time; concurrent callers share its future. */
  @SuppressWarnings("unchecked")
  private <T> Future<T> once(String key, Supplier<Future<T>> work) {
    Promise<T> mine = Promise.promise();
    Future<?> running = inFlight.putIfAbsent(key, mine.future());
    if (running != null) {
      return (Future<T>) running;
    }
    Future<T> f;
    try {
      f = work.get();
    } catch (RuntimeException e) {
      f = Future.failedFuture(e);
    }
    f.onComplete(ar -> {
      inFlight.remove(key, mine.future()); // before completing: later callers start afresh
      mine.handle(ar);
    });
    return mine.future();
  }

  private static Throwable wrap(ImageReference ref, Throwable err) {
    if (err instanceof ImagePullException) {
      return err;
    }
    if (err instanceof IOException || err instanceof UncheckedIOException) {
      return new ImagePullException("pulling " + ref + ": " + err.getMessage(), err);
    }
    return new ImagePullException("pulling " + ref + ": " + err, err);
  }

  /** Builds an {@link ImageStore}. */
  public static final class Builder {
    private final Vertx vertx;
    private Path dataDir;
    private RegistryClient registry;
    private int downloads = 4;
    private int unpackers = Math.max(2, Runtime.getRuntime().availableProcessors());
    private Clock clock = Clock.systemUTC();
    private Duration partialRetention = Duration.ofHours(1);

    private Builder(Vertx vertx) {
      this.vertx = vertx;
    }

    /** The node's data directory; the store lives in {@code oci/} below it. Required. */
    public Builder withDataDir(Path dataDir) {
      this.dataDir = dataDir;
      return this;
    }

    /** Shares a registry client (its pool bounds downloads); by default the store makes its own. */
    public Builder withRegistryClient(RegistryClient registry) {
      this.registry = registry;
      return this;
    }

    /** Blob downloads at once, when the store makes its own client (default 4). */
    public Builder withConcurrentDownloads(int downloads) {
      this.downloads = downloads;
      return this;
    }

    /** Layers unpacked at once (default: the number of cores, at least 2). */
    public Builder withConcurrentUnpacks(int unpackers) {
      this.unpackers = unpackers;
      return this;
    }

    public Builder withClock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** How long gc keeps a partial download for a pull to resume (default 1 h). */
    public Builder withPartialRetention(Duration retention) {
      this.partialRetention = retention;
      return this;
    }

    public ImageStore build() {
      if (dataDir == null) {
        throw new IllegalStateException("ImageStore needs withDataDir(...)");
      }
      return new ImageStore(this);
    }
  }
}
