package dev.skiff.node.container;

import java.nio.file.Path;
import java.util.List;

/**
 * An image ready to run: its layers unpacked, and the parts of its config the container contract
 * uses.
 *
 * @param reference the reference it was pulled by
 * @param digest the manifest digest ({@code sha256:...}); may be null for local test images
 * @param layers unpacked layer directories, lowest first, in overlayfs form (whiteouts as 0/0
 *     character devices, opaque directories marked with {@code trusted.overlay.opaque=y}); the
 *     backend never writes to them
 * @param entrypoint the config's {@code Entrypoint}
 * @param cmd the config's {@code Cmd}, appended to the entrypoint
 * @param env the config's {@code Env}, {@code NAME=value} entries
 * @param workingDir the config's {@code WorkingDir}; {@code /} when null or empty
 * @param user the config's {@code User}: {@code uid}, {@code uid:gid}, {@code name} or {@code
 *     name:group}; root when null or empty
 */
public record ContainerImage(
    String reference,
    String digest,
    List<Path> layers,
    List<String> entrypoint,
    List<String> cmd,
    List<String> env,
    String workingDir,
    String user) {

  public ContainerImage {
    layers = layers == null ? List.of() : List.copyOf(layers);
    entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
    cmd = cmd == null ? List.of() : List.copyOf(cmd);
    env = env == null ? List.of() : List.copyOf(env);
  }
}
