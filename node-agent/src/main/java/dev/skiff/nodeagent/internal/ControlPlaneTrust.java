package dev.skiff.nodeagent.internal;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.nodeagent.NodeAgentException;
import io.vertx.core.http.HttpConnection;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * The node port's identity check: the TLS handshake has checked the server's chain against the CA
 * file's roots (Vert.x's PEM trust); this checks, before any request byte is written, that the leaf
 * names exactly {@code spiffe://{td}/skiff/control-plane}. A workload's mesh certificate, valid as
 * it is, is refused: host names are not checked, the identity is.
 */
public final class ControlPlaneTrust {
  private ControlPlaneTrust() {}

  /** The certificates of a PEM bundle. */
  public static List<X509Certificate> certificates(String pem) {
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      List<X509Certificate> out = new ArrayList<>();
      for (Certificate c :
          cf.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)))) {
        out.add((X509Certificate) c);
      }
      if (out.isEmpty()) {
        throw new NodeAgentException(
            "the control plane CA file holds no certificate; write the PEM bundle from skiff"
                + " nodes token create (or GET /v1/mesh/ca) into it");
      }
      return out;
    } catch (CertificateException e) {
      throw new NodeAgentException("not a PEM certificate bundle: " + e.getMessage(), e);
    }
  }

  /**
   * Throws {@link NodeAgentException} unless {@code conn}'s server presented the control plane's
   * identity of {@code trustDomain} (null: of any trust domain).
   */
  public static void check(HttpConnection conn, String trustDomain) {
    List<Certificate> chain;
    try {
      chain = conn.peerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      chain = List.of();
    }
    List<String> uris = new ArrayList<>();
    if (!chain.isEmpty() && chain.get(0) instanceof X509Certificate leaf) {
      try {
        Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
        if (sans != null) {
          for (List<?> san : sans) {
            if (san.size() == 2 && Integer.valueOf(6).equals(san.get(0))) {
              uris.add(String.valueOf(san.get(1)));
            }
          }
        }
      } catch (CertificateParsingException e) {
        uris.clear();
      }
    }
    SpiffeId id = null;
    if (uris.size() == 1) {
      try {
        id = SpiffeId.parse(uris.get(0));
      } catch (IllegalArgumentException e) {
        id = null;
      }
    }
    boolean ok =
        id != null
            && SpiffeId.CONTROL_PLANE.equals(id.component())
            && (trustDomain == null || trustDomain.equals(id.trustDomain()));
    if (!ok) {
      throw new NodeAgentException(
          "the server's certificate names "
              + uris
              + ", not the control plane (spiffe://"
              + (trustDomain == null ? "{td}" : trustDomain)
              + "/skiff/control-plane): does --control-plane name the node port?");
    }
  }
}
