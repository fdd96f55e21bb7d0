package dev.skiff.controlplane.internal.nodes;

import dev.skiff.api.mesh.SpiffeId;
import io.vertx.core.http.HttpConnection;
import io.vertx.grpc.common.GrpcStatus;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Who is calling on the node port: the node named by the caller's certificate, which the TLS
 * handshake already checked against the mesh's roots. A node may speak only for itself.
 */
final class PeerNode {
  private PeerNode() {}

  /**
   * Checks that the caller presented the certificate of node {@code claimed}; throws {@link
   * CallRefusedException} (UNAUTHENTICATED or PERMISSION_DENIED) saying what is wrong otherwise.
   */
  static void require(HttpConnection conn, String trustDomain, String claimed) {
    String actual = nodeOf(conn, trustDomain);
    if (!actual.equals(claimed)) {
      throw new CallRefusedException(
          GrpcStatus.PERMISSION_DENIED,
          "the caller's certificate is for node '"
              + actual
              + "' but the request speaks for node '"
              + claimed
              + "': a node may only speak for itself",
          "send node_name " + actual);
    }
  }

  /**
   * The platform component ({@code gateway}, {@code activator}) the caller's certificate names, if
   * it is one of trust domain {@code trustDomain}; throws {@link CallRefusedException} otherwise.
   */
  static String componentOf(HttpConnection conn, String trustDomain) {
    List<String> uris = uris(leaf(conn));
    SpiffeId id = null;
    if (uris.size() == 1) {
      try {
        id = SpiffeId.parse(uris.get(0));
      } catch (IllegalArgumentException e) {
        id = null;
      }
    }
    String c = id == null ? null : id.component();
    if (id == null
        || !id.trustDomain().equals(trustDomain)
        || !("gateway".equals(c) || "activator".equals(c))) {
      throw new CallRefusedException(
          GrpcStatus.PERMISSION_DENIED,
          "the caller's certificate names "
              + uris
              + ", not a gateway or activator of trust domain "
              + trustDomain,
          "an edge calls with the certificate from BootstrapComponent (spiffe://"
              + trustDomain
              + "/skiff/activator)");
    }
    return c;
  }

  private static X509Certificate leaf(HttpConnection conn) {
    List<Certificate> chain;
    try {
      chain = conn.isSsl() ? conn.peerCertificates() : null;
    } catch (SSLPeerUnverifiedException e) {
      chain = null;
    }
    if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate leaf)) {
      throw new CallRefusedException(
          GrpcStatus.UNAUTHENTICATED,
          "this call needs the caller's certificate, and the caller presented none",
          "bootstrap first (BootstrapComponent with a bootstrap token) and call with the"
              + " certificate it returns");
    }
    return leaf;
  }

  /** The node name in the caller's certificate. */
  static String nodeOf(HttpConnection conn, String trustDomain) {
    List<Certificate> chain;
    try {
      chain = conn.isSsl() ? conn.peerCertificates() : null;
    } catch (SSLPeerUnverifiedException e) {
      chain = null;
    }
    if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate leaf)) {
      throw new CallRefusedException(
          GrpcStatus.UNAUTHENTICATED,
          "this call needs the node's certificate, and the caller presented none",
          "bootstrap first (the Bootstrap call with a bootstrap token) and call with the"
              + " certificate it returns");
    }
    List<String> uris = uris(leaf);
    SpiffeId id = null;
    if (uris.size() == 1) {
      try {
        id = SpiffeId.parse(uris.get(0));
      } catch (IllegalArgumentException e) {
        id = null;
      }
    }
    if (id == null || !id.trustDomain().equals(trustDomain) || id.nodeName() == null) {
      throw new CallRefusedException(
          GrpcStatus.PERMISSION_DENIED,
          "the caller's certificate names " + uris + ", not a node of trust domain " + trustDomain,
          "call with the node certificate from Bootstrap (spiffe://"
              + trustDomain
              + "/skiff/node/NAME)");
    }
    return id.nodeName();
  }

  private static List<String> uris(X509Certificate leaf) {
    List<String> out = new ArrayList<>();
    try {
      Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (san.size() == 2 && Integer.valueOf(6).equals(san.get(0))) {
            out.add(String.valueOf(san.get(1)));
          }
        }
      }
    } catch (CertificateParsingException e) {
      return List.of();
    }
    return out;
  }
}
