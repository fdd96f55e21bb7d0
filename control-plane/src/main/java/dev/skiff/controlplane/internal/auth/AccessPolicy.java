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
 *   <li>status subresources ({@code PUT .../revisions/X/status}): only {@link Role#SYSTEM};
 *   <li>{@code /v1/tokens}: only {@link Role#ADMIN};
 *   <li>{@link Role#ADMIN}: everything else; {@link Role#READ_ONLY} and {@link Role#SYSTEM}: reads;
 *   <li>{@link Role#NAMESPACE}: anything under {@code /v1/namespaces/{its namespace}/} and {@code
 *       /v1/blobs} (modules are content-addressed and shared), nothing cluster-wide.
 * </ul>
 */
public final class AccessPolicy {
  private static final Pattern NAMESPACED = Pattern.compile("^/v1/namespaces/([^/]+)(/.*)?$");
  private static final Pattern STATUS =
      Pattern.compile("^/v1/namespaces/[^/]+/revisions/[^/]+/status/?$");

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
              + " agent reports revision status)",
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
    switch (p.role()) {
      case ADMIN -> {}
      case READ_ONLY, SYSTEM -> {
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
