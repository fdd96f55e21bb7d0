package dev.skiff.ingress;

import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where certificates for {@code tls: auto} domains come from.
 *
 * @param directory the ACME server's directory URL, e.g. Let's Encrypt's {@code
 *     https://acme-v02.api.letsencrypt.org/directory}
 * @param email the account's contact, or null for none
 * @param caFile PEM certificates to trust for the ACME server's own HTTPS (a private or test CA,
 *     such as pebble's), or null for the JDK's trust store
 */
public record AcmeSettings(URI directory, String email, Path caFile) {
  public AcmeSettings {
    Objects.requireNonNull(directory, "directory");
    if (!"https".equals(directory.getScheme()) && !"http".equals(directory.getScheme())) {
      throw new IllegalArgumentException(
          "the ACME directory must be an https URL, e.g."
              + " https://acme-v02.api.letsencrypt.org/directory; got "
              + directory);
    }
  }
}
