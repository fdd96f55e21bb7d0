package dev.skiff.oci;

import dev.skiff.oci.internal.BlobFetch;
import dev.skiff.oci.internal.Bodies;
import dev.skiff.oci.internal.Digests;
import dev.skiff.oci.internal.Manifests;
import dev.skiff.oci.internal.MediaTypes;
import dev.skiff.oci.internal.RegistryCallException;
import dev.skiff.oci.internal.RegistryHttp;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientResponse;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * An OCI distribution (v2) client: fetches manifests and blobs with digest verification, resumes
 * partial blob downloads with HTTP Range, and pushes blobs (monolithic upload) and manifests. Runs
 * on Vert.x's HTTP client and never blocks: every method may be called from an event loop, and
 * blobs stream to and from files through Vert.x's file system.
 */
public final class RegistryClient {
  /** Manifests and indexes larger than this are refused (containerd's limit). */
  static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

  private final Vertx vertx;
  private final RegistryHttp http;
  private final Duration stallTimeout;

  private RegistryClient(Builder b) {
    this.vertx = b.vertx;
    this.stallTimeout = b.timeout;
    this.http = new RegistryHttp(b.vertx, b.transfers, b.timeout, b.clock);
  }

  public static Builder builder(Vertx vertx) {
    return new Builder(vertx);
  }

  /**
   * Fetches the manifest or index that {@code ref} names. The body is checked against the
   * reference's digest, or against the registry's {@code Docker-Content-Digest} when asked by tag.
   */
  public Future<RawManifest> fetchManifest(ImageReference ref, PullOptions options) {
    return pull(
            ref,
            options,
            "GET",
            "/v2/" + ref.repository() + "/manifests/" + ref.tagOrDigest(),
            Map.of("Accept", MediaTypes.MANIFEST_ACCEPT))
        .compose(response -> manifest(ref, response));
  }

  private Future<RawManifest> manifest(ImageReference ref, HttpClientResponse response) {
    int status = response.statusCode();
    if (status != 200) {
      return Bodies.error(response)
          .compose(
              body ->
                  Future.failedFuture(
                      new ImagePullException(
                          "manifest "
                              + ref
                              + ": HTTP "
                              + status
                              + (status == 404 ? " (no such repository, tag or digest)" : "")
                              + RegistryHttp.errorSummary(body))));
    }
    return Bodies.read(response, MAX_MANIFEST_BYTES)
        .map(
            body -> {
              byte[] bytes = body.getBytes();
              if (bytes.length > MAX_MANIFEST_BYTES) {
                throw new ImagePullException(
                    "manifest " + ref + " is larger than 4 MiB; refusing it");
              }
              String actual = Digests.of(bytes);
              String expected =
                  ref.digest() != null ? ref.digest() : response.getHeader("Docker-Content-Digest");
              if (expected != null && !expected.equals(actual)) {
                throw new DigestMismatchException("manifest " + ref, expected, actual);
              }
              String mediaType = Manifests.mediaType(response.getHeader("Content-Type"), bytes);
              if (MediaTypes.isSchema1(mediaType)) {
                throw new ImagePullException(
                    "manifest "
                        + ref
                        + " is Docker schema1, which is deprecated and"
                        + " unsupported; re-push the image with a current tool (schema2 or OCI)");
              }
              return new RawManifest(actual, mediaType, bytes);
            });
  }

  /**
   * Downloads a blob to {@code target}, verified against its digest and size, continuing from
   * {@code partial} when an earlier attempt left one there. The blob appears at {@code target}
   * atomically and only once verified; a mismatch deletes the partial file and fails with {@link
   * DigestMismatchException}. Interrupted transfers leave the partial file for the next call.
   */
  public Future<BlobDownload> fetchBlob(
      ImageReference repo, Descriptor blob, Path target, Path partial, PullOptions options) {
    return fetchBlob(repo, blob, target, partial, options, bytes -> {});
  }

  /**
   * {@link #fetchBlob(ImageReference, Descriptor, Path, Path, PullOptions)}, telling {@code
   * received} the bytes on disk (resumed part included) after every chunk, on the response's
   * thread: it must be cheap, such as setting an atomic that something else reads now and then.
   */
  public Future<BlobDownload> fetchBlob(
      ImageReference repo,
      Descriptor blob,
      Path target,
      Path partial,
      PullOptions options,
      LongConsumer received) {
    return new BlobFetch(
            vertx,
            stallTimeout,
            repo,
            blob,
            target,
            partial,
            headers ->
                pullBlob(
                    repo, options, "/v2/" + repo.repository() + "/blobs/" + blob.digest(), headers),
            received)
        .run();
  }

  /** Whether the repository already has the blob. */
  public Future<Boolean> hasBlob(ImageReference repo, String digest, PushOptions options) {
    return push(
            repo, options, "HEAD", "/v2/" + repo.repository() + "/blobs/" + digest, Map.of(), null)
        .map(
            response -> {
              Bodies.discard(response);
              return response.statusCode() == 200;
            });
  }

  /** Uploads a blob from a file in one request (POST for a session, then PUT with the digest). */
  public Future<Void> pushBlob(
      ImageReference repo, Descriptor blob, Path file, PushOptions options) {
    return hasBlob(repo, blob.digest(), options)
        .compose(present -> present ? Future.succeededFuture() : upload(repo, blob, file, options));
  }

  private Future<Void> upload(
      ImageReference repo, Descriptor blob, Path file, PushOptions options) {
    String what = "blob " + blob.digest() + " to " + repo.name();
    return push(
            repo, options, "POST", "/v2/" + repo.repository() + "/blobs/uploads/", Map.of(), null)
        .compose(
            started -> {
              String location = started.getHeader("Location");
              if (started.statusCode() != 202 || location == null) {
                return failPush(started, what + ": starting the upload answered HTTP ");
              }
              Bodies.discard(started);
              String put =
                  location + (location.contains("?") ? "&" : "?") + "digest=" + blob.digest();
              return vertx
                  .fileSystem()
                  .props(file.toString())
                  .recover(
                      e ->
                          Future.failedFuture(
                              new ImagePushException(
                                  "cannot read " + file + ": " + e.getMessage(), e)))
                  .compose(
                      props ->
                          push(
                              repo,
                              options,
                              "PUT",
                              put,
                              Map.of("Content-Type", "application/octet-stream"),
                              RegistryHttp.Body.ofFile(file, props.size())));
            })
        .compose(
            done -> {
              if (done.statusCode() != 201) {
                return failPush(done, what + ": upload answered HTTP ");
              }
              Bodies.discard(done);
              return Future.succeededFuture();
            });
  }

  /**
   * Puts a manifest under {@code ref}'s tag (or digest); returns the digest the registry stored.
   */
  public Future<String> pushManifest(
      ImageReference ref, String mediaType, byte[] manifest, PushOptions options) {
    byte[] body = manifest.clone();
    String digest = Digests.of(body);
    return push(
            ref,
            options,
            "PUT",
            "/v2/" + ref.repository() + "/manifests/" + ref.tagOrDigest(),
            Map.of("Content-Type", mediaType),
            RegistryHttp.Body.of(body))
        .compose(
            response -> {
              if (response.statusCode() != 201) {
                return failPush(response, "manifest " + ref + ": HTTP ");
              }
              String stored =
                  response.getHeader("Docker-Content-Digest") == null
                      ? digest
                      : response.getHeader("Docker-Content-Digest");
              Bodies.discard(response);
              if (!stored.equals(digest)) {
                return Future.failedFuture(
                    new ImagePushException(
                        "manifest "
                            + ref
                            + ": registry stored "
                            + stored
                            + " but the pushed bytes hash to "
                            + digest));
              }
              return Future.succeededFuture(digest);
            });
  }

  /** Closes the client's connections. */
  public Future<Void> close() {
    return http.close();
  }

  private static <T> Future<T> failPush(HttpClientResponse response, String what) {
    return Bodies.error(response)
        .compose(
            body ->
                Future.failedFuture(
                    new ImagePushException(
                        what + response.statusCode() + RegistryHttp.errorSummary(body))));
  }

  // ---- calls ----

  private Future<HttpClientResponse> pull(
      ImageReference repo, PullOptions o, String method, String path, Map<String, String> headers) {
    return call(
        new RegistryHttp.Call(
            repo, o.credentials(), o.insecure(), "pull", method, path, headers, null),
        ImagePullException::new,
        ImagePullException::new,
        true);
  }

  /** A blob GET: transport failures stay as they are, for the download to retry and resume. */
  private Future<HttpClientResponse> pullBlob(
      ImageReference repo, PullOptions o, String path, Map<String, String> headers) {
    return call(
        new RegistryHttp.Call(
            repo, o.credentials(), o.insecure(), "pull", "GET", path, headers, null),
        ImagePullException::new,
        ImagePullException::new,
        false);
  }

  private Future<HttpClientResponse> push(
      ImageReference repo,
      PushOptions o,
      String method,
      String path,
      Map<String, String> headers,
      RegistryHttp.Body body) {
    return call(
        new RegistryHttp.Call(
            repo, o.credentials(), o.insecure(), "pull,push", method, path, headers, body),
        ImagePushException::new,
        ImagePushException::new,
        true);
  }

  private interface Failure {
    RuntimeException of(String message, Throwable cause);
  }

  /**
   * @param transportIsFinal whether a dropped or silent connection fails the call with a message
   *     naming the registry (else it stays as it is, for a caller that retries)
   */
  private Future<HttpClientResponse> call(
      RegistryHttp.Call call,
      Function<String, RuntimeException> refused,
      Failure unreachable,
      boolean transportIsFinal) {
    return http.send(call)
        .recover(
            e -> {
              if (e instanceof RegistryCallException) {
                return Future.failedFuture(refused.apply(e.getMessage()));
              }
              if (e instanceof ConnectException) {
                return Future.failedFuture(
                    unreachable.of(
                        "cannot reach registry "
                            + call.repo().registry()
                            + " ("
                            + RegistryHttp.base(call.repo(), call.insecure())
                            + "): "
                            + e.getMessage(),
                        e));
              }
              if (transportIsFinal && !(e instanceof OciException)) {
                return Future.failedFuture(unreachable.of(transportFailure(call, e), e));
              }
              return Future.failedFuture(e);
            });
  }

  private String transportFailure(RegistryHttp.Call call, Throwable e) {
    String what =
        "registry "
            + call.repo().registry()
            + " ("
            + RegistryHttp.base(call.repo(), call.insecure())
            + "): "
            + call.method()
            + " "
            + call.path();
    if (e instanceof TimeoutException) {
      return what
          + " got no answer within "
          + stallTimeout.toMillis()
          + " ms; check that the registry is up and reachable, or raise the client's timeout";
    }
    return what + " failed: " + e;
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

    /**
     * How many requests run at once to one host, a registry or the blob storage it redirects to
     * (default 4); further requests wait for a connection.
     */
    public Builder withConcurrentTransfers(int transfers) {
      this.transfers = transfers;
      return this;
    }

    /** Connect timeout, and the longest a response (headers or body) may stay silent (30 s). */
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
