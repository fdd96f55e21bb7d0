package dev.skiff.oci;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A parsed image reference {@code [host[:port]/]repository[:tag][@sha256:hex]}, with Docker's
 * defaults: no host means {@code docker.io}, a one-part Docker Hub name gets {@code library/}, no
 * tag and no digest means {@code latest}. When a digest is present it alone selects the content.
 *
 * <p>The host {@value #LOCAL} is reserved: it names images that exist only in the image stores of
 * nodes that imported them ({@link ImageStore#importLayout}) and is never contacted as a registry.
 *
 * @param registry host[:port] as written ({@code docker.io} for Docker Hub)
 * @param tag null when only a digest was given
 * @param digest null unless pinned
 */
public record ImageReference(String registry, String repository, String tag, String digest) {
  public static final String DOCKER_HUB = "docker.io";

  /** The reserved host of images that are imported, never pulled. */
  public static final String LOCAL = "local.skiff";

  private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
  private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
  private static final Pattern DIGEST = Pattern.compile("sha256:[a-f0-9]{64}");
  private static final Pattern HOST =
      Pattern.compile(
          "(?:\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::[0-9]{1,5})?");
  private static final Pattern IPV4_LOOPBACK = Pattern.compile("127(?:\\.[0-9]{1,3}){3}");

  public static ImageReference parse(String reference) {
    if (reference == null || reference.isBlank()) {
      throw invalid(reference, "it is empty");
    }
    String rest = reference.trim();
    String digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      digest = rest.substring(at + 1);
      rest = rest.substring(0, at);
      if (!DIGEST.matcher(digest).matches()) {
        throw invalid(reference, "the digest must be sha256:<64 lowercase hex>");
      }
    }
    String registry = DOCKER_HUB;
    int slash = rest.indexOf('/');
    if (slash > 0) {
      String first = rest.substring(0, slash);
      if (first.contains(".")
          || first.contains(":")
          || first.equals("localhost")
          || first.startsWith("[")) {
        registry = first;
        rest = rest.substring(slash + 1);
        if (!HOST.matcher(registry).matches()) {
          throw invalid(reference, "'" + registry + "' is not a host[:port]");
        }
      }
    }
    String tag = null;
    int colon = rest.lastIndexOf(':');
    if (colon > rest.lastIndexOf('/')) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw invalid(reference, "tag '" + tag + "' must match [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
      }
    }
    if (rest.isEmpty()) {
      throw invalid(reference, "the repository name is missing");
    }
    for (String component : rest.split("/", -1)) {
      if (!COMPONENT.matcher(component).matches()) {
        throw invalid(
            reference,
            "repository component '"
                + component
                + "' must be lowercase letters, digits and single separators (. _ __ -)");
      }
    }
    if (registry.equals(DOCKER_HUB) && !rest.contains("/")) {
      rest = "library/" + rest;
    }
    if (tag == null && digest == null) {
      tag = "latest";
    }
    return new ImageReference(registry, rest, tag, digest);
  }

  private static InvalidImageReferenceException invalid(String reference, String why) {
    return new InvalidImageReferenceException(
        "invalid image reference '"
            + reference
            + "': "
            + why
            + " (expected [host[:port]/]repository[:tag][@sha256:hex], e.g. 127.0.0.1:5000/hello:v1)");
  }

  /** The host[:port] to connect to: Docker Hub's API lives at {@code registry-1.docker.io}. */
  public String endpoint() {
    return registry.equals(DOCKER_HUB) ? "registry-1.docker.io" : registry;
  }

  /** Whether this names an image that is only ever imported ({@value #LOCAL}), never pulled. */
  public boolean isLocal() {
    return registry.equalsIgnoreCase(LOCAL);
  }

  /** Whether the registry is this machine (plain HTTP allowed without a flag). */
  public boolean isLoopback() {
    String host = registry;
    if (host.startsWith("[")) {
      return host.substring(1, host.indexOf(']')).equals("::1");
    }
    int colon = host.indexOf(':');
    if (colon >= 0) {
      host = host.substring(0, colon);
    }
    host = host.toLowerCase(Locale.ROOT);
    return host.equals("localhost")
        || host.endsWith(".localhost")
        || IPV4_LOOPBACK.matcher(host).matches();
  }

  /** What the registry API addresses content by: the digest when pinned, else the tag. */
  public String tagOrDigest() {
    return digest != null ? digest : tag;
  }

  /** {@code registry/repository}. */
  public String name() {
    return registry + "/" + repository;
  }

  /**
   * The same repository pinned to {@code digest} (the tag is dropped: the digest alone decides).
   */
  public ImageReference withDigest(String digest) {
    return new ImageReference(registry, repository, null, digest);
  }

  public ImageReference withTag(String tag) {
    return new ImageReference(registry, repository, tag, null);
  }

  @Override
  public String toString() {
    return name() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
  }
}
