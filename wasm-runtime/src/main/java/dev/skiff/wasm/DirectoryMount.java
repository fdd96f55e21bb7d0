package dev.skiff.wasm;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A host directory the function may see as one WASI preopened directory.
 *
 * @param hostPath directory on the node
 * @param guestPath the name the guest opens it by, for example {@code /data}
 * @param writable whether the guest may create, change or delete files in it
 */
public record DirectoryMount(Path hostPath, String guestPath, boolean writable) {
  public DirectoryMount {
    Objects.requireNonNull(hostPath, "hostPath");
    Objects.requireNonNull(guestPath, "guestPath");
    if (guestPath.isBlank()) {
      throw new IllegalArgumentException("guestPath must not be blank");
    }
  }
}
