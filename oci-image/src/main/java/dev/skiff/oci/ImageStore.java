package dev.skiff.oci;

import dev.skiff.oci.internal.AsyncGate;
import dev.skiff.oci.internal.BlobStore;
import dev.skiff.oci.internal.Collector;
import dev.skiff.oci.internal.Digests;
import dev.skiff.oci.internal.FileSync;
import dev.skiff.oci.internal.ImportedTags;
import dev.skiff.oci.internal.LayerUnpacker;
import dev.skiff.oci.internal.LayoutImport;
import dev.skiff.oci.internal.Manifests;
import dev.skiff.oci.internal.Manifests.ImageManifest;
import dev.skiff.oci.internal.Manifests.ParsedConfig;
import dev.skiff.oci.internal.MediaTypes;
import dev.skiff.oci.internal.PullTracker;
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
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * The node's images, like containerd's content store plus an overlay snapshotter: pulls images into
 * a content-addressed store shared by all revisions ({@code {data}/oci/blobs/sha256/<hex>}),
 * unpacks each layer once into {@code {data}/oci/layers/<diff-id hex>/} as an overlayfs lower
 * directory, and collects what no revision references any more. Like {@code ctr image import}, it
 * also imports images from OCI image layouts, recording their tags under {@code {data}/oci/refs/};
 * images named {@code local.skiff/...} ({@link ImageReference#LOCAL}) only ever come from there.
 *
 * <p>Every method may be called from an event loop. Concurrent prepares of images that share blobs
 * or layers download and unpack each of them once; garbage collection waits for running prepares
 * and holds new ones back until it is done.
 */
public final class ImageStore {
  private static final System.Logger LOG = System.getLogger(ImageStore.class.getName());
  private static final AtomicInteger POOLS = new AtomicInteger();
  private static final int MAX_INDEX_DEPTH = 2;
  private static final int PREPARED_CACHE_SIZE = 256;
  private static final String LOCAL_ONLY =
      ImageReference.LOCAL
          + " images are never pulled from a"
          + " registry, so it must be imported first (ImageStore.importLayout, from an OCI image"
          + " layout; skiffd --examples imports the example images), or pushed to a registry and used"
          + " by that reference";

  private final BlobStore store;
  private final ImportedTags tags;
  private final RegistryClient registry;
  private final boolean ownsRegistry;
  private final WorkerExecutor local;
  private final Clock clock;
  private final Duration partialRetention;
  private final Duration progressInterval;
  private final Vertx vertx;
  private final AsyncGate gate = new AsyncGate();
  private final Map<String, Future<?>> inFlight = new ConcurrentHashMap<>();
  // Images prepared by digest: their content cannot change, so preparing one again is a lookup
  // (each container start prepares its image). Emptied by gc, which may remove their layers.
  private final PreparedCache prepared = new PreparedCache(PREPARED_CACHE_SIZE);

  private ImageStore(Builder b) {
    try {
      this.store = new BlobStore(b.dataDir.resolve("oci"));
      this.tags = new ImportedTags(b.dataDir.resolve("oci"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the image store under " + b.dataDir, e);
    }
    this.ownsRegistry = b.registry == null;
    this.registry =
        b.registry != null
            ? b.registry
            : RegistryClient.builder(b.vertx)
                .withConcurrentTransfers(b.downloads)
                .withClock(b.clock)
                .build();
    this.local =
        b.vertx.createSharedWorkerExecutor(
            "skiff-oci-unpack-" + POOLS.incrementAndGet(), b.unpackers, 6, TimeUnit.HOURS);
    this.clock = b.clock;
    this.partialRetention = b.partialRetention;
    this.progressInterval = b.progressInterval;
    this.vertx = b.vertx;
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
   * a tag is always resolved against the registry, since tags move. A {@code local.skiff/...}
   * reference never contacts a registry: it must have been {@linkplain #importLayout imported}.
   *
   * @return the image, with {@link PreparedImage#manifestDigest()} for the revision to record;
   *     fails with {@link ImagePullException} (or its subclasses {@link DigestMismatchException}
   *     and {@link UnsafeLayerException}), or {@link InvalidImageReferenceException}
   */
  public Future<PreparedImage> prepare(String reference, PullOptions options) {
    return prepare(reference, options, PullProgress.NONE);
  }

  /**
   * {@link #prepare(String, PullOptions)}, telling {@code progress} how far the download of the
   * image's layers has got (see {@link PullProgress} for when and on which thread).
   */
  public Future<PreparedImage> prepare(
      String reference, PullOptions options, PullProgress progress) {
    ImageReference ref;
    try {
      ref = ImageReference.parse(reference);
    } catch (InvalidImageReferenceException e) {
      return Future.failedFuture(e);
    }
    long start = System.nanoTime();
    String cacheKey = ref.digest() == null ? null : ref + " " + options.platform();
    return gate.enterShared()
        .compose(
            v -> {
              PreparedImage known = cacheKey == null ? null : prepared.get(cacheKey);
              Future<PreparedImage> image =
                  known != null
                      ? Future.succeededFuture(known)
                      : pull(ref, options, ref.isLocal() ? LOCAL_ONLY : null, progress)
                          .andThen(
                              ar -> {
                                if (ar.succeeded() && cacheKey != null) {
                                  prepared.put(cacheKey, ar.result());
                                }
                              });
              return image.andThen(ar -> gate.exitShared());
            })
        .onSuccess(
            img ->
                LOG.log(
                    Level.DEBUG,
                    () ->
                        "prepared "
                            + ref
                            + " ("
                            + img.manifestDigest()
                            + ", "
                            + img.layers().size()
                            + " layers) in "
                            + (System.nanoTime() - start) / 1_000_000
                            + " ms"));
  }

  /** {@link #importLayout(Path, String, PullOptions)} for linux/amd64. */
  public Future<PreparedImage> importLayout(Path ociLayoutDir, String reference) {
    return importLayout(ociLayoutDir, reference, PullOptions.defaults());
  }

  /**
   * Imports an image from an OCI image layout, like {@code ctr image import}, without any registry:
   * copies the blobs it needs into the store, each checked against its digest, unpacks its layers,
   * and records {@code reference}'s tag as naming it (durably: it survives restarts). From then on
   * {@link #prepare} by {@code name@digest} needs no registry, and neither does a tag under {@link
   * ImageReference#LOCAL}, e.g. {@code local.skiff/examples/hello-server:1}; a tag under any other
   * registry is still resolved against that registry. Imported tags keep their images from {@link
   * #gc}; importing another image under a tag releases the one it named.
   *
   * <p>The image is the layout's only one, or the one whose {@code
   * org.opencontainers.image.ref.name} annotation is the reference's tag (or the whole reference),
   * or, when the reference has a digest, the one with that digest.
   *
   * @param options only its platform counts, to pick from a multi-platform index
   * @return the image, as {@code prepare(reference)} returns it from now on; fails with {@link
   *     ImagePullException} when the layout is not one, is incomplete or corrupted (then no tag is
   *     recorded), or holds no such image, or {@link InvalidImageReferenceException}
   */
  public Future<PreparedImage> importLayout(
      Path ociLayoutDir, String reference, PullOptions options) {
    ImageReference ref;
    try {
      ref = ImageReference.parse(reference);
    } catch (InvalidImageReferenceException e) {
      return Future.failedFuture(e);
    }
    long start = System.nanoTime();
    // Under the shared gate, so gc cannot collect blobs copied but not yet named by the tag.
    return gate.enterShared()
        .compose(
            v ->
                blocking(() -> LayoutImport.copy(store, ociLayoutDir, ref).digest())
                    .recover(
                        err ->
                            Future.failedFuture(
                                err instanceof ImagePullException
                                    ? err
                                    : new ImagePullException(
                                        "importing " + ociLayoutDir + " as " + ref + ": " + err,
                                        err)))
                    // Unpacked before the tag is recorded, so a tag never names an image that
                    // cannot run.
                    .compose(
                        digest ->
                            pull(
                                ref.withDigest(digest),
                                options,
                                "the layout "
                                    + ociLayoutDir
                                    + " lacks it; for a multi-platform index, it needs the"
                                    + " image for "
                                    + options.platform(),
                                PullProgress.NONE))
                    .compose(
                        img ->
                            recordTag(ref, img.manifestDigest())
                                .map(
                                    new PreparedImage(
                                        ref.toString(),
                                        img.manifestDigest(),
                                        img.config(),
                                        img.layers())))
                    .andThen(ar -> gate.exitShared()))
        .onSuccess(
            img ->
                LOG.log(
                    Level.INFO,
                    () ->
                        "imported "
                            + ref
                            + " ("
                            + img.manifestDigest()
                            + ", "
                            + img.layers().size()
                            + " layers) from "
                            + ociLayoutDir
                            + " in "
                            + (System.nanoTime() - start) / 1_000_000
                            + " ms"));
  }

  private Future<Void> recordTag(ImageReference ref, String digest) {
    if (ref.tag() == null) {
      return Future.succeededFuture();
    }
    return blocking(
        () -> {
          tags.put(ref, digest);
          return null;
        });
  }

  /**
   * Removes every blob and unpacked layer not reachable from {@code referenced} (manifest or index
   * digests, as {@link PreparedImage#manifestDigest()} returned them) nor from an imported tag, and
   * partial downloads older than the retention. The caller must name every image a revision on this
   * node may still run.
   */
  public Future<GcResult> gc(Set<String> referenced) {
    Set<String> keep = Set.copyOf(referenced);
    return gate.enterExclusive()
        .compose(
            v ->
                blocking(
                        () -> {
                          Set<String> roots = new HashSet<>(keep);
                          roots.addAll(tags.digests());
                          prepared.clear();
                          return Collector.collect(
                              store, roots, clock.instant().minus(partialRetention));
                        })
                    .andThen(ar -> gate.exitExclusive()));
  }

  /** Releases the worker pools (and the registry client, unless it was given). */
  public Future<Void> close() {
    Future<Void> r = ownsRegistry ? registry.close() : Future.succeededFuture();
    return Future.join(r, local.close()).mapEmpty();
  }

  // ---- pull ----

  /**
   * @param offline null to fetch what the store lacks from the registry; else take everything from
   *     the store (and imported tags, for a tag), and fail with this hint when something is missing
   */
  private Future<PreparedImage> pull(
      ImageReference ref, PullOptions options, String offline, PullProgress progress) {
    return manifest(ref, options, offline)
        .compose(
            top ->
                imageManifest(ref, top, options, offline, 0)
                    .compose(
                        manifest -> image(ref, top.digest(), manifest, options, offline, progress)))
        .recover(err -> Future.failedFuture(wrap(ref, err)));
  }

  /**
   * The manifest or index {@code ref} names: from the store when pinned and present; offline, a tag
   * is looked up among the imported ones.
   */
  private Future<RawManifest> manifest(ImageReference ref, PullOptions options, String offline) {
    if (ref.digest() != null) {
      return blocking(
              () -> {
                byte[] bytes = store.read(ref.digest());
                return bytes == null
                    ? null
                    : new RawManifest(ref.digest(), Manifests.mediaType(null, bytes), bytes);
              })
          .compose(
              cached ->
                  cached != null
                      ? Future.succeededFuture(cached)
                      : offline != null
                          ? Future.failedFuture(
                              missing(ref, "its manifest " + ref.digest(), offline))
                          : fetchManifest(ref, options));
    }
    if (offline != null) {
      return blocking(() -> tags.get(ref))
          .compose(
              digest ->
                  digest == null
                      ? Future.failedFuture(
                          missing(ref, "no image was imported under this tag", offline))
                      : manifest(ref.withDigest(digest), options, offline));
    }
    return fetchManifest(ref, options);
  }

  private Future<RawManifest> fetchManifest(ImageReference ref, PullOptions options) {
    return registry
        .fetchManifest(ref, options)
        .compose(
            m ->
                blocking(
                    () -> {
                      store.put(m.digest(), m.bytes());
                      return m;
                    }));
  }

  /** Follows an index to the image manifest for the wanted platform. */
  private Future<ImageManifest> imageManifest(
      ImageReference ref, RawManifest m, PullOptions options, String offline, int depth) {
    if (MediaTypes.isManifest(m.mediaType())) {
      return Future.succeededFuture(Manifests.manifest(m.bytes()));
    }
    if (!MediaTypes.isIndex(m.mediaType())) {
      return Future.failedFuture(
          new ImagePullException(
              ref + " is a " + m.mediaType() + ", not a container image manifest or index"));
    }
    if (depth >= MAX_INDEX_DEPTH) {
      return Future.failedFuture(new ImagePullException(ref + ": indexes nest too deeply"));
    }
    List<Descriptor> entries = Manifests.index(m.bytes());
    Descriptor chosen =
        entries.stream()
            .filter(d -> MediaTypes.isManifest(d.mediaType()) || MediaTypes.isIndex(d.mediaType()))
            .filter(d -> options.platform().matches(d.platform()))
            .findFirst()
            .orElse(null);
    if (chosen == null) {
      String available =
          entries.stream().map(d -> String.valueOf(d.platform())).collect(Collectors.joining(", "));
      return Future.failedFuture(
          new ImagePullException(
              ref + " has no image for " + options.platform() + " (it has: " + available + ")"));
    }
    return manifest(ref.withDigest(chosen.digest()), options, offline)
        .compose(child -> imageManifest(ref, child, options, offline, depth + 1));
  }

  private Future<PreparedImage> image(
      ImageReference ref,
      String digest,
      ImageManifest manifest,
      PullOptions options,
      String offline,
      PullProgress progress) {
    Descriptor configBlob = manifest.config();
    if (!MediaTypes.isConfig(configBlob.mediaType())) {
      return Future.failedFuture(
          new ImagePullException(
              ref
                  + " is not a container image: its config"
                  + " is "
                  + configBlob.mediaType()
                  + " (an artifact such as a Wasm module?)"));
    }
    for (Descriptor layer : manifest.layers()) {
      if (!MediaTypes.isLayer(layer.mediaType())) {
        return Future.failedFuture(
            new ImagePullException(
                ref
                    + ": layer "
                    + layer.digest()
                    + " has unsupported media type "
                    + layer.mediaType()));
      }
    }
    PullTracker tracker =
        PullTracker.start(vertx, progressInterval, ref.toString(), manifest.layers(), progress);
    return blob(ref, configBlob, options, offline, bytes -> {})
        .compose(path -> blocking(() -> Manifests.config(store.read(configBlob.digest()))))
        .compose(config -> checkPlatform(ref, config, options.platform()))
        .compose(
            config ->
                layers(ref, manifest, config, options, offline, tracker)
                    .map(dirs -> new PreparedImage(ref.toString(), digest, config.config(), dirs)))
        .andThen(ar -> tracker.finish(ar.succeeded()));
  }

  /**
   * A single-platform image for another machine would only fail later, with "exec format error".
   */
  private static Future<ParsedConfig> checkPlatform(
      ImageReference ref, ParsedConfig config, Platform wanted) {
    boolean osDiffers = config.os() != null && !config.os().equals(wanted.os());
    boolean archDiffers =
        config.architecture() != null && !config.architecture().equals(wanted.architecture());
    if (osDiffers || archDiffers) {
      return Future.failedFuture(
          new ImagePullException(
              ref
                  + " is built for "
                  + config.os()
                  + "/"
                  + config.architecture()
                  + ", not "
                  + wanted
                  + "; push an image (or index) for "
                  + wanted));
    }
    return Future.succeededFuture(config);
  }

  private Future<List<Path>> layers(
      ImageReference ref,
      ImageManifest manifest,
      ParsedConfig config,
      PullOptions options,
      String offline,
      PullTracker tracker) {
    List<Descriptor> layers = manifest.layers();
    if (layers.size() != config.diffIds().size()) {
      return Future.failedFuture(
          new ImagePullException(
              ref
                  + ": the manifest lists "
                  + layers.size()
                  + " layers but the config "
                  + config.diffIds().size()
                  + " diff ids"));
    }
    List<Future<Path>> dirs = new ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      String diffId = config.diffIds().get(i);
      if (!Digests.isValid(diffId)) {
        return Future.failedFuture(
            new ImagePullException(ref + ": diff id '" + diffId + "' is not a sha256 digest"));
      }
      int index = i;
      dirs.add(
          layer(ref, layers.get(i), diffId, options, offline, tracker.bytes(i))
              .onSuccess(dir -> tracker.layerDone(index)));
    }
    return Future.all(dirs).map(all -> all.<Path>list());
  }

  /** One layer directory: present already, or downloaded and unpacked once for all callers. */
  private Future<Path> layer(
      ImageReference ref,
      Descriptor blob,
      String diffId,
      PullOptions options,
      String offline,
      LongConsumer received) {
    Path dir = store.layer(diffId);
    return once(
        "layer " + diffId,
        () ->
            blocking(() -> Files.isDirectory(dir))
                .compose(
                    present ->
                        present
                            ? Future.succeededFuture(dir)
                            : blob(ref, blob, options, offline, received)
                                .compose(file -> blocking(() -> unpack(ref, blob, diffId, file)))));
  }

  private Future<Path> blob(
      ImageReference ref,
      Descriptor blob,
      PullOptions options,
      String offline,
      LongConsumer received) {
    Path file = store.blob(blob.digest());
    if (offline != null) {
      return blocking(() -> Files.isRegularFile(file))
          .compose(
              present ->
                  present
                      ? Future.succeededFuture(file)
                      : Future.failedFuture(missing(ref, "its blob " + blob.digest(), offline)));
    }
    return once(
        "blob " + blob.digest(),
        () ->
            registry
                .fetchBlob(ref, blob, file, store.partial(blob.digest()), options, received)
                .map(BlobDownload::path));
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
      LOG.log(
          Level.DEBUG,
          () ->
              "unpacked "
                  + blob.digest()
                  + " in "
                  + (System.nanoTime() - start) / 1_000_000
                  + " ms");
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
    f.onComplete(
        ar -> {
          inFlight.remove(key, mine.future()); // before completing: later callers start afresh
          mine.handle(ar);
        });
    return mine.future();
  }

  private static ImagePullException missing(ImageReference ref, String what, String hint) {
    return new ImagePullException(
        ref + " is not in this node's image store (" + what + "); " + hint);
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
    private Duration progressInterval = Duration.ofMillis(250);

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

    /**
     * Requests at once to one registry host (so blob downloads at once), when the store makes its
     * own client (default 4).
     */
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

    /** How often, at most, a pull tells its {@link PullProgress} (default 250 ms). */
    public Builder withProgressInterval(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException(
            "the progress interval must be positive, not " + interval);
      }
      this.progressInterval = interval;
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
