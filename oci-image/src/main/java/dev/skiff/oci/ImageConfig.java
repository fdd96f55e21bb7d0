package dev.skiff.oci;

import java.util.List;
import java.util.Set;

/**
 * What an image's config says about how to run it (the OCI config's {@code config} object).
 *
 * @param env {@code KEY=VALUE} entries, in image order
 * @param workingDir empty for the image default ({@code /})
 * @param user empty for root; {@code uid}, {@code uid:gid} or names resolved in the image
 * @param exposedPorts e.g. {@code 8080/tcp}
 */
public record ImageConfig(
    List<String> entrypoint,
    List<String> cmd,
    List<String> env,
    String workingDir,
    String user,
    Set<String> exposedPorts) {
  public ImageConfig {
    entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
    cmd = cmd == null ? List.of() : List.copyOf(cmd);
    env = env == null ? List.of() : List.copyOf(env);
    workingDir = workingDir == null ? "" : workingDir;
    user = user == null ? "" : user;
    exposedPorts = exposedPorts == null ? Set.of() : Set.copyOf(exposedPorts);
  }

  public static ImageConfig empty() {
    return new ImageConfig(null, null, null, null, null, null);
  }
}
