package dev.skiff.meshproxy.internal;

import dev.skiff.meshproxy.Credentials;
import dev.skiff.meshproxy.IdentityProvider;
import io.vertx.core.Future;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * SSL options that follow one identity's credentials: made anew from each renewed certificate or
 * trust bundle, made current, then handed to every change listener. Thread-safe.
 *
 * @param <O> client or server SSL options
 */
public final class LiveOptions<O> {
  private final IdentityProvider identity;
  private final Function<Credentials, O> make;
  private final List<Function<O, Future<?>>> listeners = new CopyOnWriteArrayList<>();
  private volatile O current;

  public LiveOptions(IdentityProvider identity, Function<Credentials, O> make) {
    this.identity = identity;
    this.make = make;
    identity.onRenewal(this::renewed);
    Credentials now = identity.current();
    if (now != null && current == null) {
      current = make.apply(now);
    }
  }

  private Future<?> renewed(Credentials c) {
    O options = make.apply(c);
    current = options;
    return Future.all(listeners.stream().map(l -> l.apply(options)).toList());
  }

  /** The options now; fails when the identity has no certificate yet. */
  public O current() {
    O o = current;
    if (o == null) {
      throw new IllegalStateException(
          identity.id() + " has no certificate yet: start its IdentityProvider first");
    }
    return o;
  }

  /** Adds a change listener; returns what removes it. */
  public Runnable onChange(Function<O, Future<?>> listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** The one SPIFFE ID a peer's leaf certificate names; null for none or several. */
  public static String identityOf(List<Certificate> chain) {
    if (chain == null || chain.isEmpty() || !(chain.get(0) instanceof X509Certificate leaf)) {
      return null;
    }
    List<String> ids = Pem.spiffeUris(leaf);
    return ids.size() == 1 ? ids.get(0) : null;
  }
}
