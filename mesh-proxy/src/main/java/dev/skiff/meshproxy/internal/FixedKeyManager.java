package dev.skiff.meshproxy.internal;

import dev.skiff.meshproxy.Credentials;
import dev.skiff.meshproxy.InvalidIdentityException;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.Security;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.KeyManagerFactorySpi;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents one key and its chain, the sidecar's credentials, as they are. Handed to Vert.x instead
 * of the PEM text: from PEM Vert.x builds a password-protected key store at every listen (about 20
 * ms of key derivation per sidecar start, on a cold start's path); this costs nothing per listen.
 */
final class FixedKeyManager extends X509ExtendedKeyManager {
  private static final String ALIAS = "mesh";

  private final PrivateKey key;
  private final X509Certificate[] chain;

  FixedKeyManager(Credentials c) {
    this.key = privateKey(c.privateKeyPem());
    this.chain = c.chain().toArray(X509Certificate[]::new);
  }

  private static PrivateKey privateKey(String pem) {
    String b64 =
        pem.replace("-----BEGIN PRIVATE KEY-----", "")
            .replace("-----END PRIVATE KEY-----", "")
            .replaceAll("\\s", "");
    try {
      return KeyFactory.getInstance("EC")
          .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new InvalidIdentityException(
          "the sidecar's private key is not a PKCS#8 EC key: " + e.getMessage(), e);
    }
  }

  /**
   * This key manager as a factory: Vert.x's own wrapper of a bare key manager needs SLF4J, which
   * Skiff does not ship.
   */
  static KeyManagerFactory factory(Credentials c) {
    FixedKeyManager km = new FixedKeyManager(c);
    KeyManagerFactorySpi spi =
        new KeyManagerFactorySpi() {
          @Override
          protected void engineInit(KeyStore ks, char[] password) {}

          @Override
          protected void engineInit(ManagerFactoryParameters spec) {}

          @Override
          protected KeyManager[] engineGetKeyManagers() {
            return new KeyManager[] {km};
          }
        };
    return new KeyManagerFactory(spi, Security.getProvider("SunJSSE"), ALIAS) {};
  }

  /** Whether the handshake asks for the kind of key this is ({@code EC}, or {@code EC_EC}). */
  private boolean fits(String keyType) {
    String alg = key.getAlgorithm();
    return keyType != null && (keyType.equals(alg) || keyType.startsWith(alg + "_"));
  }

  private String alias(String[] keyTypes) {
    if (keyTypes != null) {
      for (String t : keyTypes) {
        if (fits(t)) {
          return ALIAS;
        }
      }
    }
    return null;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return fits(keyType) ? ALIAS : null;
  }

  @Override
  public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
    return alias(keyTypes);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return fits(keyType) ? ALIAS : null;
  }

  @Override
  public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
    return alias(keyTypes);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return fits(keyType) ? new String[] {ALIAS} : null;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return getServerAliases(keyType, issuers);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return ALIAS.equals(alias) ? chain.clone() : null;
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return ALIAS.equals(alias) ? key : null;
  }
}
