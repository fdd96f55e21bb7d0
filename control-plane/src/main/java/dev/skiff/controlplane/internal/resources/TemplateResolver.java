package dev.skiff.controlplane.internal.resources;

import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.WasmModule;
import dev.skiff.controlplane.InvalidResourceException;
import io.vertx.core.Future;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

/**
 * Pins a template's Wasm module to uploaded bytes before a revision is made of it: a digest must
 * name a stored blob; a {@code file:} URL is read, validated and stored, and replaced by its
 * digest.
 */
public final class TemplateResolver {
  private static final String DIGEST_FIELD = "spec.template.wasm.digest";
  private static final String URL_FIELD = "spec.template.wasm.url";

  private final BlobStore blobs;

  public TemplateResolver(BlobStore blobs) {
    this.blobs = blobs;
  }

  public Future<RevisionTemplate> resolve(RevisionTemplate t) {
    WasmModule wasm = t.wasm();
    if (wasm == null) {
      return Future.succeededFuture(t);
    }
    if (wasm.digest() != null && !wasm.digest().isEmpty()) {
      return blobs
          .exists(wasm.digest())
          .compose(
              found ->
                  found
                      ? Future.succeededFuture(t)
                      : Future.failedFuture(
                          InvalidResourceException.of(
                              DIGEST_FIELD,
                              "no module with digest " + wasm.digest() + " was uploaded",
                              "upload it first: POST /v1/blobs with the .wasm file as the body")));
    }
    String url = wasm.url();
    if (!url.startsWith("file:")) {
      return Future.failedFuture(
          InvalidResourceException.of(
              URL_FIELD,
              "fetching modules over http(s) is not supported yet",
              "download the module and upload it (POST /v1/blobs), then set wasm.digest; or use a file: URL"));
    }
    Path file;
    try {
      file = Path.of(URI.create(url));
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(
          InvalidResourceException.of(
              URL_FIELD,
              "'" + url + "' is not a file URL: " + e.getMessage(),
              "e.g. file:///srv/hello.wasm"));
    }
    return blobs
        .putFile(file, URL_FIELD)
        .map(blob -> t.withWasm(new WasmModule(blob.digest(), null, wasm.directory())))
        .recover(
            e ->
                e instanceof IOException
                    ? Future.failedFuture(
                        InvalidResourceException.of(
                            URL_FIELD,
                            "cannot read " + file + ": " + e,
                            "the path is read on the control plane's machine"))
                    : Future.failedFuture(e));
  }
}
