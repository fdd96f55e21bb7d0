package dev.skiff.meshproxy.internal;

import dev.skiff.api.mesh.SpiffeCsr;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.MeshException;
import java.security.KeyPair;

/**
 * A fresh EC P-256 key pair and the PKCS#10 request for one SPIFFE ID, signed with it ({@link
 * SpiffeCsr}), failing with the mesh's exception.
 */
public final class Csr {
  private Csr() {}

  /** A new P-256 key pair; it stays in this process. */
  public static KeyPair newKeyPair() {
    try {
      return SpiffeCsr.newKeyPair();
    } catch (IllegalStateException e) {
      throw new MeshException(e.getMessage(), e.getCause());
    }
  }

  /** The PEM {@code CERTIFICATE REQUEST} for {@code id}: the ID as the only URI SAN. */
  public static String request(SpiffeId id, KeyPair keys) {
    try {
      return SpiffeCsr.request(id, keys);
    } catch (IllegalStateException e) {
      throw new MeshException(e.getMessage(), e.getCause());
    }
  }
}
