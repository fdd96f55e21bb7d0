package dev.skiff.nodeagent.internal;

import dev.skiff.api.mesh.SpiffeCsr;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.nodeagent.NodeAgentException;
import java.security.KeyPair;

/**
 * A node key made here (EC P-256; it never leaves the process) and the PKCS#10 request for the
 * node's SPIFFE ID signed with it.
 *
 * @param privateKeyPem PKCS#8 PEM
 * @param csrPem the request, its only URI SAN the node's identity
 */
public record NodeKeys(String privateKeyPem, String csrPem) {

  /** A new key and its request for {@code id}; CPU-bound, run it off the event loop. */
  public static NodeKeys create(SpiffeId id) {
    try {
      KeyPair keys = SpiffeCsr.newKeyPair();
      return new NodeKeys(SpiffeCsr.privateKeyPem(keys), SpiffeCsr.request(id, keys));
    } catch (IllegalStateException e) {
      throw new NodeAgentException("could not make the node's key and request for " + id, e);
    }
  }

  @Override
  public String toString() {
    return "NodeKeys[key hidden]";
  }
}
