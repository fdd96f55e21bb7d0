package dev.skiff.oci;

import java.util.Objects;

/** An OCI platform; {@code variant} may be null. */
public record Platform(String os, String architecture, String variant) {
  public static final Platform LINUX_AMD64 = new Platform("linux", "amd64", null);

  public Platform {
    Objects.requireNonNull(os, "os");
    Objects.requireNonNull(architecture, "architecture");
  }

  /** Whether an index entry for {@code other} runs here: same os, arch, variant if we have one. */
  public boolean matches(Platform other) {
    return other != null
        && os.equals(other.os)
        && architecture.equals(other.architecture)
        && (variant == null || variant.equals(other.variant));
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant == null ? "" : "/" + variant);
  }
}
