package dev.skiff.oci.internal;

import dev.skiff.oci.BlobDownload;
import dev.skiff.oci.Descriptor;
import dev.skiff.oci.DigestMismatchException;
import dev.skiff.oci.ImagePullException;
import dev.skiff.oci.ImageReference;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.FileSystem;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClientResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One blob download into the content store: streams the response onto a partial file (with
 * back-pressure, the file writes on Vert.x's file threads), resumes it with HTTP Range, retries
 * interrupted transfers, and moves the file into place only once it hashes to its digest.
 */
public final class BlobFetch {
  private static final int ATTEMPTS = 3;
  private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");

  private final Vertx vertx;
  private final FileSystem fs;
  private final ImageReference repo;
  private final Descriptor blob;
  private final Path target;
  private final Path partial;
  private final Function<Map<String, String>, Future<HttpClientResponse>> get;
  private final Duration stallTimeout;
  private final LongConsumer received;

  /**
   * @param get sends the blob's GET with the given extra headers; answers the response paused
   * @param stallTimeout the longest the body may stay silent before the attempt is cut (and
   *     resumed)
   * @param received hears the bytes on disk (the partial file's size) after each chunk, on the
   *     response's thread; it must be cheap (an atomic set)
   */
  public BlobFetch(
      Vertx vertx,
      Duration stallTimeout,
      ImageReference repo,
      Descriptor blob,
      Path target,
      Path partial,
      Function<Map<String, String>, Future<HttpClientResponse>> get,
      LongConsumer received) {
    this.vertx = vertx;
    this.fs = vertx.fileSystem();
    this.repo = repo;
    this.blob = blob;
    this.target = target;
    this.partial = partial;
    this.get = get;
    this.stallTimeout = stallTimeout;
    this.received = received;
  }

  /** An interrupted or refused transfer that the next attempt may resume or restart. */
  private static final class Interrupted extends IOException {
    private static final long serialVersionUID = 1L;

    Interrupted(String message) {
      super(message);
    }
  }

  public Future<BlobDownload> run() {
    return vertx
        .executeBlocking(
            () -> {
              if (Files.exists(target)) {
                return true;
              }
              Files.createDirectories(partial.getParent());
              Files.createDirectories(target.getParent());
              return false;
            },
            false)
        .compose(
            present ->
                present
                    ? Future.succeededFuture(new BlobDownload(target, 0, 0))
                    : fs.open(
                            partial.toString(),
                            new OpenOptions().setRead(false).setWrite(true).setCreate(true))
                        .compose(file -> locked(file).eventually(file::close)));
  }

  /** The lock keeps two processes (or two stores on one data dir) from writing one partial. */
  private Future<BlobDownload> locked(AsyncFile file) {
    return Future.<Void>succeededFuture()
        .compose(v -> file.lock())
        .recover(
            e ->
                Future.failedFuture(
                    e instanceof OverlappingFileLockException
                        ? new ImagePullException(
                            "blob " + blob.digest() + " is already being downloaded here", e)
                        : e))
        .compose(lock -> attempt(file, 1, false));
  }

  private Future<BlobDownload> attempt(AsyncFile file, int attempt, boolean restarted) {
    return fs.exists(target.toString())
        .compose(
            present -> {
              if (present) {
                return Future.succeededFuture(new BlobDownload(target, 0, 0));
              }
              return file.size()
                  .compose(
                      size ->
                          blob.size() >= 0 && size > blob.size()
                              ? fs.truncate(partial.toString(), 0).map(0L)
                              : Future.succeededFuture(size))
                  .compose(
                      offset ->
                          (offset == blob.size()
                                  ? Future.succeededFuture(0L)
                                  : transfer(file, offset))
                              .compose(transferred -> commit(file, transferred))
                              .recover(e -> retry(file, attempt, restarted, offset, e)));
            });
  }

  private Future<BlobDownload> retry(
      AsyncFile file, int attempt, boolean restarted, long offset, Throwable e) {
    if (e instanceof DigestMismatchException) {
      return fs.truncate(partial.toString(), 0)
          .compose(
              v -> {
                // A resumed download may have continued garbage left by someone else: retry once
                // whole.
                if (offset > 0 && !restarted) {
                  return attempt(file, attempt, true);
                }
                return fs.delete(partial.toString()).transform(deleted -> Future.failedFuture(e));
              });
    }
    if (e instanceof ImagePullException) {
      return Future.failedFuture(e);
    }
    if (attempt < ATTEMPTS) {
      return attempt(file, attempt + 1, restarted);
    }
    return Future.failedFuture(
        new ImagePullException(
            "blob "
                + blob.digest()
                + " of "
                + repo.name()
                + ": download failed after "
                + ATTEMPTS
                + " attempts: "
                + e.getMessage()
                + " (the partial download is kept and resumes on the next pull)",
            e));
  }

  /** Streams the blob (or its tail from {@code offset}) onto the partial file. */
  private Future<Long> transfer(AsyncFile file, long offset) {
    Map<String, String> headers = offset > 0 ? Map.of("Range", "bytes=" + offset + "-") : Map.of();
    return get.apply(headers)
        .compose(
            response -> {
              int status = response.statusCode();
              if (status == 200) {
                // From the start: also when the registry ignored the Range.
                return (offset > 0
                        ? fs.truncate(partial.toString(), 0)
                        : Future.<Void>succeededFuture())
                    .compose(v -> new Sink(file, response, 0).run());
              }
              if (status == 206) {
                String range = Objects.requireNonNullElse(response.getHeader("Content-Range"), "");
                Matcher m = CONTENT_RANGE.matcher(range);
                if (!m.matches() || Long.parseLong(m.group(1)) != offset) {
                  return restart(
                      response,
                      "registry answered Range bytes="
                          + offset
                          + "- with Content-Range '"
                          + range
                          + "'; restarting");
                }
                return new Sink(file, response, offset).run();
              }
              if (status == 416 && offset > 0) {
                return restart(
                    response, "registry refused Range bytes=" + offset + "-; restarting");
              }
              return Bodies.error(response)
                  .compose(
                      body ->
                          Future.failedFuture(
                              new ImagePullException(
                                  "blob "
                                      + blob.digest()
                                      + " of "
                                      + repo.name()
                                      + ": HTTP "
                                      + status
                                      + RegistryHttp.errorSummary(body))));
            });
  }

  private Future<Long> restart(HttpClientResponse response, String why) {
    Bodies.discard(response);
    return fs.truncate(partial.toString(), 0)
        .compose(v -> Future.failedFuture(new Interrupted(why)));
  }

  private Future<BlobDownload> commit(AsyncFile file, long transferred) {
    return file.flush()
        .compose(
            v ->
                vertx.executeBlocking(
                    () -> {
                      long size = Files.size(partial);
                      if (blob.size() >= 0 && size != blob.size()) {
                        throw new Interrupted(
                            "blob "
                                + blob.digest()
                                + " ended after "
                                + size
                                + " of "
                                + blob.size()
                                + " bytes");
                      }
                      verifyAndMove();
                      // What was on disk before this transfer: the offset, or 0 if the registry
                      // ignored the Range.
                      return new BlobDownload(target, transferred, size - transferred);
                    },
                    false));
  }

  private void verifyAndMove() throws IOException {
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

  /**
   * Writes one response body onto the file from {@code position}, pausing the response while the
   * file's write queue is full. Completes with the bytes written once every write has landed, also
   * when it fails, so the next attempt sees the file's true size.
   */
  private final class Sink {
    private final AsyncFile file;
    private final HttpClientResponse response;
    private final long limit = blob.size() < 0 ? Long.MAX_VALUE : blob.size();
    private final Promise<Long> done = Promise.promise();
    private long written;
    private long transferred;
    private long progress = System.nanoTime();
    private int pending;
    private boolean ended;
    private Throwable failure;

    Sink(AsyncFile file, HttpClientResponse response, long position) {
      this.file = file;
      this.response = response;
      this.written = position;
      file.setWritePos(position);
    }

    Future<Long> run() {
      // Vert.x's idle timeout ends with the response headers; a body that stalls is cut by this
      // watchdog, and the next attempt resumes from what arrived.
      long watchdog =
          vertx.setPeriodic(Math.max(100, stallTimeout.toMillis() / 4), id -> checkProgress());
      response.exceptionHandler(this::fail);
      response.handler(this::chunk);
      response.endHandler(v -> end());
      response.resume();
      return done.future().andThen(v -> vertx.cancelTimer(watchdog));
    }

    private void checkProgress() {
      synchronized (this) {
        if (ended || failure != null || System.nanoTime() - progress < stallTimeout.toNanos()) {
          return;
        }
        failure =
            new Interrupted(
                "blob "
                    + blob.digest()
                    + " stalled: no data for "
                    + stallTimeout.toMillis()
                    + " ms after "
                    + written
                    + " bytes");
        settle();
      }
      response.request().reset();
    }

    private void chunk(Buffer chunk) {
      synchronized (this) {
        if (failure != null) {
          return;
        }
        progress = System.nanoTime();
        if (written + chunk.length() > limit) {
          failure =
              new DigestMismatchException(
                  "blob " + blob.digest() + " of " + repo.name(),
                  blob.digest(),
                  "a blob longer than the " + blob.size() + " bytes its descriptor says");
          response.request().reset();
          settle();
          return;
        }
        written += chunk.length();
        transferred += chunk.length();
        pending++;
        received.accept(written);
      }
      file.write(chunk)
          .onComplete(
              ar -> {
                synchronized (this) {
                  pending--;
                  if (ar.failed() && failure == null) {
                    failure = ar.cause();
                  }
                  settle();
                }
              });
      if (file.writeQueueFull()) {
        response.pause();
        file.drainHandler(v -> response.resume());
        // The file writes on other threads: it may have drained before the handler was set.
        if (!file.writeQueueFull()) {
          response.resume();
        }
      }
    }

    private synchronized void end() {
      ended = true;
      settle();
    }

    private synchronized void fail(Throwable e) {
      if (failure == null) {
        failure = e;
      }
      settle();
    }

    private void settle() {
      if (pending > 0 || (!ended && failure == null)) {
        return;
      }
      if (failure != null) {
        done.tryFail(failure);
      } else {
        done.tryComplete(transferred);
      }
    }
  }
}
