package dev.skiff.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Where a Wasm revision's module comes from: exactly one of a content digest of a module already
 * uploaded to the control plane ({@code sha256:<64 hex>}) or a URL ({@code http(s)://} or {@code
 * file:}). The control plane resolves a URL to a digest when it creates the revision, so a revision
 * always runs the bytes it was created with.
 *
 * @param digest {@code sha256:<hex>} of an uploaded module
 * @param url where to fetch the module from
 * @param directory an optional directory made visible to the module; no filesystem otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record WasmModule(String digest, String url, Directory directory) {

  /**
   * A directory preopened for the module: one under the operator's volume root, or a volume of the
   * service's own that Skiff creates under its data directory. Links in it never lead out of it.
   *
   * @param hostPath a directory relative to the node's volume root ({@code skiffd --volume-root});
   *     absent for the service's own volume, {@code {data-dir}/volumes/{namespace}/{service}}
   * @param guestPath path the module sees, {@code /data} when absent
   * @param writable read-only unless true
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Directory(String hostPath, String guestPath, Boolean writable) {}

  public WasmModule {
    digest = Interned.of(digest);
  }

  public static WasmModule ofDigest(String digest) {
    return new WasmModule(digest, null, null);
  }
}
