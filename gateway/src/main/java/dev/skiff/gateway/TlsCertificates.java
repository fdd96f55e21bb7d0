package dev.skiff.gateway;

import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The certificates the gateway's HTTPS listener serves, by host name: the client's SNI name picks
 * the certificate stored under that exact name, else the wildcard {@code *.parent}. A name with
 * neither gets no certificate: its handshake fails, so no client ever sees another domain's
 * certificate. Changes apply to the next handshake; open connections carry on with theirs.
 *
 * <p>Thread-safe: writers (any thread) publish a new map through one volatile reference; the
 * handshakes (event loops) read it without locking.
 */
public final class TlsCertificates {
  /** One certificate as served: its key, chain and the alias handshakes know it by. */
  public record Entry(String alias, PrivateKey key, X509Certificate[] chain) {}

  private final AtomicLong generation = new AtomicLong();
  private volatile Map<String, Entry> byName = Map.of();

  /** By alias; keeps the entry a name had before its last change, for handshakes in between. */
  private volatile Map<String, Entry> byAlias = Map.of();

  /**
   * Serves {@code chain} (leaf first) with {@code key} for {@code name} from the next handshake.
   */
  public synchronized void put(String name, PrivateKey key, List<X509Certificate> chain) {
    Objects.requireNonNull(key, "key");
    if (chain == null || chain.isEmpty()) {
      throw new IllegalArgumentException("a certificate chain needs at least its leaf");
    }
    String n = name.toLowerCase(Locale.ROOT);
    Entry e = new Entry(n + "#" + generation.incrementAndGet(), jdkKey(key), jdkChain(chain));
    Map<String, Entry> names = new HashMap<>(byName);
    Entry old = names.put(n, e);
    Map<String, Entry> aliases = new HashMap<>();
    names.values().forEach(x -> aliases.put(x.alias(), x));
    if (old != null) {
      aliases.put(old.alias(), old);
    }
    byAlias = Map.copyOf(aliases);
    byName = Map.copyOf(names);
  }

  /**
   * The key as the JDK's own provider reads it: the JDK's TLS engine skips a key (or certificate)
   * whose algorithm another provider names differently, such as BouncyCastle's {@code ECDSA}.
   */
  private static PrivateKey jdkKey(PrivateKey key) {
    String alg = "ECDSA".equals(key.getAlgorithm()) ? "EC" : key.getAlgorithm();
    try {
      return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("the key is not a PKCS#8 " + alg + " key", e);
    }
  }

  private static X509Certificate[] jdkChain(List<X509Certificate> chain) {
    try {
      CertificateFactory cf = CertificateFactory.getInstance("X.509");
      X509Certificate[] out = new X509Certificate[chain.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] =
            (X509Certificate)
                cf.generateCertificate(new ByteArrayInputStream(chain.get(i).getEncoded()));
      }
      return out;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("a certificate of the chain is unreadable", e);
    }
  }

  /** Stops serving {@code name}'s certificate from the next handshake. */
  public synchronized void remove(String name) {
    Map<String, Entry> names = new HashMap<>(byName);
    if (names.remove(name.toLowerCase(Locale.ROOT)) == null) {
      return;
    }
    Map<String, Entry> aliases = new HashMap<>();
    names.values().forEach(x -> aliases.put(x.alias(), x));
    byName = Map.copyOf(names);
    byAlias = Map.copyOf(aliases);
  }

  /** The certificate a handshake for {@code host} gets: exact name first, then the wildcard. */
  public Entry lookup(String host) {
    if (host == null) {
      return null;
    }
    String h = host.toLowerCase(Locale.ROOT);
    Map<String, Entry> names = byName;
    Entry e = names.get(h);
    int dot = h.indexOf('.');
    if (e == null && dot > 0) {
      e = names.get("*" + h.substring(dot));
    }
    return e;
  }

  /** Whether a handshake for {@code host} would get a certificate. */
  public boolean covers(String host) {
    return lookup(host) != null;
  }

  /** The entry a handshake chose, by its alias (also just after the name changed). */
  public Entry byAlias(String alias) {
    return alias == null ? null : byAlias.get(alias);
  }

  /** The names served now. */
  public Set<String> names() {
    return byName.keySet();
  }
}
