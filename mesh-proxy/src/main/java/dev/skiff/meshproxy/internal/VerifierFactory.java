package dev.skiff.meshproxy.internal;

import java.security.KeyStore;
import java.security.Provider;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.TrustManagerFactorySpi;

/**
 * A {@link TrustManagerFactory} that hands out one {@link PeerVerifier}. Vert.x's {@code
 * TrustOptions.wrap(TrustManager)} would do, but its wrapper class needs SLF4J on the class path,
 * which Skiff does not ship; wrapping a factory does not.
 */
final class VerifierFactory extends TrustManagerFactory {
  private static final Provider PROVIDER =
      new Provider("SkiffMesh", "1", "the sidecar's peer verifier") {
        private static final long serialVersionUID = 1L;
      };

  VerifierFactory(PeerVerifier verifier) {
    super(new Spi(verifier), PROVIDER, "SkiffMesh");
  }

  private static final class Spi extends TrustManagerFactorySpi {
    private final PeerVerifier verifier;

    Spi(PeerVerifier verifier) {
      this.verifier = verifier;
    }

    @Override
    protected void engineInit(KeyStore ks) {}

    @Override
    protected void engineInit(ManagerFactoryParameters spec) {}

    @Override
    protected TrustManager[] engineGetTrustManagers() {
      return new TrustManager[] {verifier};
    }
  }
}
