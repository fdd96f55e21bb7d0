package dev.skiff.gateway.internal;

import dev.skiff.gateway.TlsCertificates;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSession;
import javax.net.ssl.StandardConstants;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Chooses the gateway's certificate per handshake from the client's SNI name, reading {@link
 * TlsCertificates} live: a renewed certificate serves the next handshake without touching the
 * listener. No SNI name, or one without a certificate, gets no alias, so the handshake fails rather
 * than show another domain's certificate.
 */
final class SniKeyManager extends X509ExtendedKeyManager {
  private final TlsCertificates certificates;

  SniKeyManager(TlsCertificates certificates) {
    this.certificates = certificates;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return choose(keyType, engine == null ? null : engine.getHandshakeSession());
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return null; // the gateway's listener is an SSLEngine; a socket has no SNI to go by here
  }

  private String choose(String keyType, SSLSession handshake) {
    if (!(handshake instanceof ExtendedSSLSession session)) {
      return null;
    }
    String host = sniHost(session.getRequestedServerNames());
    TlsCertificates.Entry e = certificates.lookup(host);
    if (e == null || !algorithm(e.key().getAlgorithm()).equals(keyType)) {
      return null;
    }
    return e.alias();
  }

  /** The JDK's name for a key's algorithm (BouncyCastle calls EC keys ECDSA). */
  static String algorithm(String keyAlgorithm) {
    return "ECDSA".equals(keyAlgorithm) ? "EC" : keyAlgorithm;
  }

  static String sniHost(List<SNIServerName> names) {
    if (names == null) {
      return null;
    }
    for (SNIServerName n : names) {
      if (n.getType() == StandardConstants.SNI_HOST_NAME && n instanceof SNIHostName h) {
        return h.getAsciiName();
      }
    }
    return null;
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    TlsCertificates.Entry e = certificates.byAlias(alias);
    return e == null ? null : e.chain().clone();
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    TlsCertificates.Entry e = certificates.byAlias(alias);
    return e == null ? null : e.key();
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }
}
