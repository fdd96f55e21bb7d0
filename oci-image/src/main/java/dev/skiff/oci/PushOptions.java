package dev.skiff.oci;

/**
 * How to push to a registry.
 *
 * @param credentials for the target registry, or null for anonymous access
 * @param insecure allow plain HTTP to a registry that is not on loopback (loopback always uses it)
 */
public record PushOptions(Credentials credentials, boolean insecure) {
  public static PushOptions defaults() {
    return new PushOptions(null, false);
  }

  public PushOptions withCredentials(String username, String password) {
    return new PushOptions(new Credentials(username, password), insecure);
  }

  public PushOptions withInsecure(boolean insecure) {
    return new PushOptions(credentials, insecure);
  }
}
