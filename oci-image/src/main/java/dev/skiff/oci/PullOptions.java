package dev.skiff.oci;

import java.util.Objects;

/**
 * How to pull one image.
 *
 * @param credentials for the image's registry, or null for anonymous access
 * @param insecure allow plain HTTP to a registry that is not on loopback (loopback always uses it)
 * @param platform which image of a multi-platform index to pick
 */
public record PullOptions(Credentials credentials, boolean insecure, Platform platform) {
  public PullOptions {
    Objects.requireNonNull(platform, "platform");
  }

  /** Anonymous, TLS unless loopback, linux/amd64. */
  public static PullOptions defaults() {
    return new PullOptions(null, false, Platform.LINUX_AMD64);
  }

  public PullOptions withCredentials(String username, String password) {
    return new PullOptions(new Credentials(username, password), insecure, platform);
  }

  public PullOptions withInsecure(boolean insecure) {
    return new PullOptions(credentials, insecure, platform);
  }

  public PullOptions withPlatform(Platform platform) {
    return new PullOptions(credentials, insecure, platform);
  }
}
