package dev.skiff.oci;

import dev.skiff.oci.internal.Digests;
import dev.skiff.oci.internal.FileSync;
import dev.skiff.oci.internal.Manifests;
import dev.skiff.oci.internal.MediaTypes;
import dev.skiff.oci.internal.RegistryCallException;
import dev.skiff.oci.internal.RegistryHttp;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OCI distribution (v2) client: fetches manifests and blobs with digest verification, resumes
 * partial blob downloads with HTTP Range, and pushes blobs (monolithic upload) and manifests. Every
 * method may be called from an event loop; the transfers run on the client's own worker pool, whose
 * size bounds how many run at once.
 */
public final class RegistryClient {
  /** Manifests and indexes larger than this are refused (containerd's limit). */
  static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

  private static final int ATTEMPTS = 3;
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final Vertx vertx;
  private final RegistryHttp http;
  private final Duration stallTimeout;
  private final WorkerExecutor workers;

  private RegistryClient(Builder b) {
    this.vertx = b.vertx;
    this.http = new RegistryHttp(b.timeout, b.clock);
    this.stallTimeout = b.timeout;
    // Large layers take minutes: that is not a blocked thread.
    this.workers =
        b.vertx.createSharedWorkerExecutor(
            "skiff-oci-transfer-" + POOLS.incrementAndGet(), b.transfers, 6, TimeUnit.HOURS);
  }

  public static Builder builder(Vertx vertx) {
    return new Builder(vertx);
  }

  /**
   * Fetches the manifest or index that {@code ref} names. The body is checked against the
   * reference's digest, or against the registry's {@code Docker-Content-Digest} when asked by tag.
   */
  public Future<RawManifest> fetchManifest(ImageReference ref, PullOptions options) {
    return blocking(() -> fetchManifestBlocking(ref, options));
  }

  /**
   * Downloads a blob to {@code target}, verified against its digest and size, continuing from
   * {@code partial} when an earlier attempt left one there. The blob appears at {@code target}
   * atomically and only once verified; a mismatch deletes the partial file and fails with {@link
   * DigestMismatchException}. Interrupted transfers leave the partial file for the next call.
   */
  public Future<BlobDownload> fetchBlob(
      ImageReference repo, Descriptor blob, Path target, Path partial, PullOptions options) {
    return blocking(() -> fetchBlobBlocking(repo, blob, target, partial, options));
  }

  /** Whether the repository already has the blob. */
  public Future<Boolean> hasBlob(ImageReference repo, String digest, PushOptions options) {
    return blocking(() -> hasBlobBlocking(repo, digest, options));
  }

  /** Uploads a blob from a file in one request (POST for a session, then PUT with the digest). */
  public Future<Void> pushBlob(
      ImageReference repo, Descriptor blob, Path file, PushOptions options) {
    return blocking(
        () -> {
          pushBlobBlocking(repo, blob, file, options);
          return null;
        });
  }

  /**
   * Puts a manifest under {@code ref}'s tag (or digest); returns the digest the registry stored.
   */
  public Future<String> pushManifest(
      ImageReference ref, String mediaType, byte[] manifest, PushOptions options) {
    byte[] body = manifest.clone();
    return blocking(() -> pushManifestBlocking(ref, mediaType, body, options));
  }

  /** Releases the worker pool. */
  public Future<Void> close() {
    return workers.close();
  }

  private <T> Future<T> blocking(Callable<T> work) {
    // Unordered: transfers of one caller run in parallel, up to the pool size.
    return workers.executeBlocking(work, false);
  }

  // ---- pull ----

  private RawManifest fetchManifestBlocking(ImageReference ref, PullOptions options)
      throws IOException {
    HttpResponse<InputStream> response =
        call(
            ref,
            options,
            "GET",
            "/v2/" + ref.repository() + "/manifests/" + ref.tagOrDigest(),
            Map.of("Accept", MediaTypes.MANIFEST_ACCEPT),
            null);
    int status = response.statusCode();
    if (status != 200) {
      String body = RegistryHttp.errorBody(response);
      throw new ImagePullException(
          "manifest "
              + ref
              + ": HTTP "
              + status
              + (status == 404 ? " (no such repository, tag or digest)" : "")
              + RegistryHttp.errorSummary(body));
    }
    byte[] bytes;
    try (InputStream in = response.body()) {
      bytes = in.readNBytes(MAX_MANIFEST_BYTES + 1);
    }
    if (bytes.length > MAX_MANIFEST_BYTES) {
      throw new ImagePullException("manifest " + ref + " is larger than 4 MiB; refusing it");
    }
    String actual = Digests.of(bytes);
    String expected =
        ref.digest() != null
            ? ref.digest()
            : response.headers().firstValue("Docker-Content-Digest").orElse(null);
    if (expected != null && !expected.equals(actual)) {
      throw new DigestMismatchException("manifest " + ref, expected, actual);
    }
    String mediaType =
        Manifests.mediaType(response.headers().firstValue("Content-Type").orElse(null), bytes);
    if (MediaTypes.isSchema1(mediaType)) {
      throw new ImagePullException(
          "manifest "
              + ref
              + " is Docker schema1, which is deprecated and"
              + " unsupported; re-push the image with a current tool (schema2 or OCI)");
    }
    return new RawManifest(actual, mediaType, bytes);
  }

  private BlobDownload fetchBlobBlocking(
      ImageReference repo, Descriptor blob, Path target, Path partial, PullOptions options)
      throws IOException {
    if (Files.exists(target)) {
      return new BlobDownload(target, 0, 0);
    }
    Files.createDirectories(partial.getParent());
    Files.createDirectories(target.getParent());
    // The lock keeps two processes (or two stores on one data dir) from appending to one partial.
    try (FileChannel out =
        FileChannel.open(partial, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      FileLock lock = out.lock();
      try {
        return download(repo, blob, target, partial, options, out);
      } finally {
        if (out.isOpen()) {
          lock.release();
        }
      }
    } catch (OverlappingFileLockException e) {
      throw new ImagePullException(
          "blob " + blob.digest() + " is already being downloaded here", e);
    }
  }

  private BlobDownload download(
      ImageReference repo,
      Descriptor blob,
      Path target,
      Path partial,
      PullOptions options,
      FileChannel out)
      throws IOException {
    IOException last = null;
    boolean restarted = false;
    for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
      if (Files.exists(target)) {
        return new BlobDownload(target, 0, 0);
      }
      long offset = out.size();
      if (blob.size() >= 0 && offset > blob.size()) {
        out.truncate(0);
        offset = 0;
      }
      try {
        long transferred = offset == blob.size() ? 0 : transfer(repo, blob, out, offset, options);
        // What was on disk before this transfer: the offset, or 0 if the registry ignored the
        // Range.
        long resumedFrom = out.size() - transferred;
        verifyAndCommit(blob, out, partial, target, repo);
        return new BlobDownload(target, transferred, resumedFrom);
      } catch (DigestMismatchException e) {
        out.truncate(0);
        // A resumed download may have continued garbage left by someone else: retry once whole.
        if (offset > 0 && !restarted) {
          restarted = true;
          attempt--;
          continue;
        }
        Files.deleteIfExists(partial);
        throw e;
      } catch (IOException e) {
        last = e;
      }
    }
    throw new ImagePullException(
        "blob "
            + blob.digest()
            + " of "
            + repo.name()
            + ": download failed after "
            + ATTEMPTS
            + " attempts: "
            + last.getMessage()
            + " (the partial download is kept and resumes on the next pull)",
        last);
  }

  /** Streams the blob (or its tail from {@code offset}) onto the end of {@code out}. */
  private long transfer(
      ImageReference repo, Descriptor blob, FileChannel out, long offset, PullOptions options)
      throws IOException {
    Map<String, String> headers = offset > 0 ? Map.of("Range", "bytes=" + offset + "-") : Map.of();
    HttpResponse<InputStream> response =
        call(
            repo,
            options,
            "GET",
            "/v2/" + repo.repository() + "/blobs/" + blob.digest(),
            headers,
            null);
    int status = response.statusCode();
    if (status == 200 && offset > 0) {
      out.truncate(0); // the registry ignored the Range: start over
    } else if (status == 206) {
      Matcher m = CONTENT_RANGE.matcher(response.headers().firstValue("Content-Range").orElse(""));
      if (!m.matches() || Long.parseLong(m.group(1)) != offset) {
        RegistryHttp.discard(response);
        out.truncate(0);
        throw new IOException(
            "registry answered Range bytes="
                + offset
                + "- with Content-Range '"
                + response.headers().firstValue("Content-Range").orElse("")
                + "'; restarting");
      }
    } else if (status == 416 && offset > 0) {
      RegistryHttp.discard(response);
      out.truncate(0);
      throw new IOException("registry refused Range bytes=" + offset + "-; restarting");
    } else if (status != 200) {
      String body = RegistryHttp.errorBody(response);
      throw new ImagePullException(
          "blob "
              + blob.digest()
              + " of "
              + repo.name()
              + ": HTTP "
              + status
              + RegistryHttp.errorSummary(body));
    }
    long limit = blob.size() < 0 ? Long.MAX_VALUE : blob.size();
    long transferred = 0;
    byte[] buf = new byte[128 * 1024];
    InputStream in = response.body();
    // The request timeout ends at the response headers; a body that stalls is cut by this
    // watchdog, and the attempt resumes from what arrived.
    AtomicLong progress = new AtomicLong(System.nanoTime());
    long watchdog =
        vertx.setPeriodic(
            Math.max(100, stallTimeout.toMillis() / 4),
            id -> {
              if (System.nanoTime() - progress.get() > stallTimeout.toNanos()) {
                closeQuietly(in);
              }
            });
    try (in) {
      out.position(out.size());
      for (int n; (n = in.read(buf)) > 0; ) {
        progress.set(System.nanoTime());
        if (out.size() + n > limit) {
          throw new DigestMismatchException(
              "blob " + blob.digest() + " of " + repo.name(),
              blob.digest(),
              "a blob longer than the " + blob.size() + " bytes its descriptor says");
        }
        out.write(ByteBuffer.wrap(buf, 0, n));
        transferred += n;
      }
    } finally {
      vertx.cancelTimer(watchdog);
    }
    return transferred;
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // the reader sees the end of the stream either way
    }
  }

  private static void verifyAndCommit(
      Descriptor blob, FileChannel out, Path partial, Path target, ImageReference repo)
      throws IOException {
    out.force(true);
    if (blob.size() >= 0 && out.size() != blob.size()) {
      throw new IOException(
          "blob " + blob.digest() + " ended after " + out.size() + " of " + blob.size() + " bytes");
    }
    MessageDigest md = Digests.sha256();
    try (InputStream in = Files.newInputStream(partial)) {
      Digests.update(md, in);
    }
    String actual = Digests.of(md);
    if (!actual.equals(blob.digest())) {
      throw new DigestMismatchException(
          "blob " + blob.digest() + " of " + repo.name(), blob.digest(), actual);
    }
    try {
      Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("blob store and its ingest directory must share a file system", e);
    }
    FileSync.directory(target.getParent());
  }

  // ---- push ----

  private boolean hasBlobBlocking(ImageReference repo, String digest, PushOptions options)
      throws IOException {
    HttpResponse<InputStream> response =
        call(
            repo, options, "HEAD", "/v2/" + repo.repository() + "/blobs/" + digest, Map.of(), null);
    RegistryHttp.discard(response);
    return response.statusCode() == 200;
  }

  private void pushBlobBlocking(
      ImageReference repo, Descriptor blob, Path file, PushOptions options) throws IOException {
    if (hasBlobBlocking(repo, blob.digest(), options)) {
      return;
    }
    HttpResponse<InputStream> started =
        call(
            repo,
            options,
            "POST",
            "/v2/" + repo.repository() + "/blobs/uploads/",
            Map.of(),
            HttpRequest.BodyPublishers::noBody);
    String location = started.headers().firstValue("Location").orElse(null);
    if (started.statusCode() != 202 || location == null) {
      String body = RegistryHttp.errorBody(started);
      throw new ImagePushException(
          "blob "
              + blob.digest()
              + " to "
              + repo.name()
              + ": starting the upload answered HTTP "
              + started.statusCode()
              + RegistryHttp.errorSummary(body));
    }
    RegistryHttp.discard(started);
    String put = location + (location.contains("?") ? "&" : "?") + "digest=" + blob.digest();
    HttpResponse<InputStream> done =
        call(
            repo,
            options,
            "PUT",
            put,
            Map.of("Content-Type", "application/octet-stream"),
            () -> {
              try {
                return HttpRequest.BodyPublishers.ofFile(file);
              } catch (IOException e) {
                throw new ImagePushException("cannot read " + file + ": " + e.getMessage(), e);
              }
            });
    if (done.statusCode() != 201) {
      String body = RegistryHttp.errorBody(done);
      throw new ImagePushException(
          "blob "
              + blob.digest()
              + " to "
              + repo.name()
              + ": upload answered HTTP "
              + done.statusCode()
              + RegistryHttp.errorSummary(body));
    }
    RegistryHttp.discard(done);
  }

  private String pushManifestBlocking(
      ImageReference ref, String mediaType, byte[] body, PushOptions options) throws IOException {
    String digest = Digests.of(body);
    HttpResponse<InputStream> response =
        call(
            ref,
            options,
            "PUT",
            "/v2/" + ref.repository() + "/manifests/" + ref.tagOrDigest(),
            Map.of("Content-Type", mediaType),
            () -> HttpRequest.BodyPublishers.ofByteArray(body));
    if (response.statusCode() != 201) {
      String err = RegistryHttp.errorBody(response);
      throw new ImagePushException(
          "manifest " + ref + ": HTTP " + response.statusCode() + RegistryHttp.errorSummary(err));
    }
    String stored = response.headers().firstValue("Docker-Content-Digest").orElse(digest);
    RegistryHttp.discard(response);
    if (!stored.equals(digest)) {
      throw new ImagePushException(
          "manifest "
              + ref
              + ": registry stored "
              + stored
              + " but the pushed bytes hash to "
              + digest);
    }
    return digest;
  }

  // ---- calls ----

  private HttpResponse<InputStream> call(
      ImageReference repo,
      PullOptions o,
      String method,
      String path,
      Map<String, String> headers,
      Supplier<HttpRequest.BodyPublisher> body)
      throws IOException {
    try {
      return http.send(
          new RegistryHttp.Call(
              repo, o.credentials(), o.insecure(), "pull", method, path, headers, body));
    } catch (RegistryCallException e) {
      throw new ImagePullException(e.getMessage());
    } catch (ConnectException e) {
      throw new ImagePullException(
          "cannot reach registry "
              + repo.registry()
              + " ("
              + RegistryHttp.base(repo, o.insecure())
              + "): connection refused",
          e);
    }
  }

  private HttpResponse<InputStream> call(
      ImageReference repo,
      PushOptions o,
      String method,
      String path,
      Map<String, String> headers,
      Supplier<HttpRequest.BodyPublisher> body)
      throws IOException {
    try {
      return http.send(
          new RegistryHttp.Call(
              repo, o.credentials(), o.insecure(), "pull,push", method, path, headers, body));
    } catch (RegistryCallException e) {
      throw new ImagePushException(e.getMessage());
    } catch (ConnectException e) {
      throw new ImagePushException(
          "cannot reach registry "
              + repo.registry()
              + " ("
              + RegistryHttp.base(repo, o.insecure())
              + "): connection refused",
          e);
    }
  }

  /** Builds a {@link RegistryClient}. */
  public static final class Builder {
    private final Vertx vertx;
    private int transfers = 4;
    private Duration timeout = Duration.ofSeconds(30);
    private Clock clock = Clock.systemUTC();

    private Builder(Vertx vertx) {
      this.vertx = vertx;
    }

    /** How many blob transfers run at once (default 4). */
    public Builder withConcurrentTransfers(int transfers) {
      this.transfers = transfers;
      return this;
    }

    /** Connect and response-header timeout per request, and the longest a body may stall (30 s). */
    public Builder withTimeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    /** Drives token expiry. */
    public Builder withClock(Clock clock) {
      this.clock = clock;
      return this;
    }

    public RegistryClient build() {
      return new RegistryClient(this);
    }
  }
}
