package dev.skiff.controlplane.internal.http;

import static io.vertx.core.http.HttpMethod.GET;
import static io.vertx.core.http.HttpMethod.POST;

import dev.skiff.controlplane.internal.resources.BlobStore;

/** {@code /v1/blobs}: Wasm modules stored by their sha256 digest. */
final class BlobRoutes {
  private final BlobStore blobs;

  BlobRoutes(BlobStore blobs) {
    this.blobs = blobs;
  }

  void register(Routes routes) {
    routes
        .on(
            POST,
            "/v1/blobs",
            ctx ->
                Bodies.read(
                        ctx.request(),
                        BlobStore.LIMIT,
                        "modules are limited to 64 MiB; strip debug sections (wasm-opt --strip-debug)")
                    .compose(body -> blobs.put(body.getBytes(), "(body)"))
                    .map(Reply::created))
        .on(
            GET,
            "/v1/blobs/:digest",
            ctx ->
                blobs
                    .path(ctx.pathParam("digest"))
                    .map(file -> Reply.file(file, "application/wasm")));
  }
}
