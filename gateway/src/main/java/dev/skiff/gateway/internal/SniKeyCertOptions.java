package dev.skiff.gateway.internal;

import io.vertx.core.Vertx;
import io.vertx.core.net.KeyCertOptions;
import java.security.KeyStore;
import java.util.function.Function;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.KeyManagerFactorySpi;
import javax.net.ssl.ManagerFactoryParameters;

/**
 * Hands Vert.x the one {@link SniKeyManager} as its key manager factory. (Vert.x's own {@code
 * KeyCertOptions.wrap} would do the same, but needs SLF4J on the class path.) Immutable: the
 * certificates change inside the key manager, never here.
 */
final class SniKeyCertOptions implements KeyCertOptions {
  private final SniKeyManager manager;

  SniKeyCertOptions(SniKeyManager manager) {
    this.manager = manager;
  }

  @Override
  public KeyCertOptions copy() {
    return this;
  }

  @Override
  public KeyManagerFactory getKeyManagerFactory(Vertx vertx) {
    return new Factory(manager);
  }

  /** No per-name factories: the one key manager chooses per handshake itself. */
  @Override
  public Function<String, KeyManagerFactory> keyManagerFactoryMapper(Vertx vertx) {
    return name -> null;
  }

  private static final class Factory extends KeyManagerFactory {
    Factory(SniKeyManager manager) {
      super(new Spi(manager), null, "skiff-sni");
    }
  }

  private static final class Spi extends KeyManagerFactorySpi {
    private final SniKeyManager manager;

    Spi(SniKeyManager manager) {
      this.manager = manager;
    }

    @Override
    protected void engineInit(KeyStore ks, char[] password) {}

    @Override
    protected void engineInit(ManagerFactoryParameters spec) {}

    @Override
    protected KeyManager[] engineGetKeyManagers() {
      return new KeyManager[] {manager};
    }
  }
}
