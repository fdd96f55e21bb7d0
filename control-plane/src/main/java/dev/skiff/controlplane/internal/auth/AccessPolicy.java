package dev.skiff.controlplane.internal.auth;

import dev.skiff.controlplane.ForbiddenException;
import io.vertx.core.http.HttpMethod;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What each role may do, decided from the method and the (normalized) path alone, before any route
 * runs:
 *
 * <ul>
 *   <li>status subresources ({@code PUT .../revisions/X/status}, {@code .../triggers/X/status}):
 *       only {@link Role#SYSTEM};
 *   <li>{@code /v1/tokens}: only {@link Role#ADMIN};
 *   <li>{@code GET /v1/mesh/ca}: every valid token; {@code POST /v1/mesh/certificates}: {@link
 *       Role#SYSTEM}, {@link Role#NODE} and {@link Role#ADMIN}; {@code POST /v1/mesh/rotate-root}:
 *       only {@link Role#ADMIN};
 *   <li>{@link Role#ADMIN}: everything else; {@link Role#READ_ONLY}, {@link Role#NODE} and {@link
 *       Role#SYSTEM}: reads;
 *   <li>{@link Role#NAMESPACE}: anything under {@code /v1/namespaces/{its namespace}/} and {@code
 *       /v1/blobs} (modules are content-addressed and shared), nothing cluster-wide.
 * </ul>
 */
public final class AccessPolicy {
  private static final Pattern NAMESPACED = Pattern.compile("^/v1/namespaces/([^/]+)(/.*)?$");
  private static final Pattern STATUS =
      Pattern.compile("^/v1/namespaces/[^/]+/(revisions|triggers)/[^/]+/status/?$");

  private AccessPolicy() {}

  /** Throws {@link ForbiddenException} naming what {@code p} may do when it may not do this. */
  public static void check(Principal p, HttpMethod method, String path) {
    boolean read = method == HttpMethod.GET || method == HttpMethod.HEAD;
    if (!read && STATUS.matcher(path).matches()) {
      if (p.role() == Role.SYSTEM) {
        return;
      }
      throw new ForbiddenException(
          p.describe()
              + " may not write "
              + path
              + ": status subresources are written only by Skiff's own components (the node"
              + " agent reports revision status, the eventing dispatcher trigger status)",
          "change the service instead (skiff deploy / PUT .../services/NAME); its revisions'"
              + " status follows from what the node runs");
    }
    if (path.equals("/v1/tokens") || path.startsWith("/v1/tokens/")) {
      if (p.role() == Role.ADMIN) {
        return;
      }
      throw new ForbiddenException(
          p.describe() + " may not manage tokens", "tokens are managed with the admin token");
    }
    if (path.equals("/v1/mesh") || path.startsWith("/v1/mesh/")) {
      checkMesh(p, read, path);
      return;
    }
    switch (p.role()) {
      case ADMIN -> {}
      case READ_ONLY, NODE, SYSTEM -> {
        if (!read) {
          throw new ForbiddenException(
              p.describe() + " may only read (GET), not " + method.name() + " " + path,
              "use a token that may write: the admin token, or one made with"
                  + " skiff token create NAME --namespace NS");
        }
      }
      case NAMESPACE -> {
        String ns = namespaceOf(path);
        boolean blobs = path.equals("/v1/blobs") || path.startsWith("/v1/blobs/");
        if (!blobs && (ns == null || !ns.equals(p.namespace()))) {
          throw new ForbiddenException(
              p.describe()
                  + " may only use namespace '"
                  + p.namespace()
                  + "' (paths /v1/namespaces/"
                  + p.namespace()
                  + "/...) and /v1/blobs, not "
                  + method.name()
                  + " "
                  + path,
              "use -n " + p.namespace() + ", or a token for the namespace you mean");
        }
      }
    }
  }

  private static void checkMesh(Principal p, boolean read, String path) {
    if (read && path.equals("/v1/mesh/ca")) {
      return; // the trust bundle is public to every caller of the API
    }
    if (read && p.role() != Role.NAMESPACE) {
      return;
    }
    if (!read && path.equals("/v1/mesh/certificates")) {
      if (p.role() == Role.ADMIN || p.role() == Role.SYSTEM || p.role() == Role.NODE) {
        return;
      }
      throw new ForbiddenException(
          p.describe() + " may not ask for mesh certificates",
          "certificates are issued to Skiff's components, to node agents (a token made with"
              + " skiff token create NAME --node) and to admins (skiff mesh issue)");
    }
    if (p.role() == Role.ADMIN) {
      return;
    }
    throw new ForbiddenException(
        p.describe() + " may not " + (read ? "read " : "change ") + path,
        read
            ? "the mesh's status is cluster-wide: use a read-only or admin token"
            : "rotating the mesh's root needs the admin token");
  }

  /** The namespace a path is under, decoded, or null for cluster-wide paths. */
  static String namespaceOf(String path) {
    Matcher m = NAMESPACED.matcher(path);
    if (!m.matches()) {
      return null;
    }
    try {
      return URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
