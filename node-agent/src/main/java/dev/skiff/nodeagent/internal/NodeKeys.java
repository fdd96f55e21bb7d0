package dev.skiff.nodeagent.internal;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.nodeagent.NodeAgentException;
import java.io.IOException;
import java.io.StringWriter;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

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
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair keys = gen.generateKeyPair();
      ExtensionsGenerator ext = new ExtensionsGenerator();
      ext.addExtension(
          Extension.subjectAlternativeName,
          true,
          new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, id.uri())));
      var csr =
          new JcaPKCS10CertificationRequestBuilder(new X500Name(""), keys.getPublic())
              .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate())
              .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
      StringWriter out = new StringWriter();
      try (JcaPEMWriter w = new JcaPEMWriter(out)) {
        w.writeObject(csr);
      }
      String key =
          "-----BEGIN PRIVATE KEY-----\n"
              + Base64.getMimeEncoder(64, new byte[] {'\n'})
                  .encodeToString(keys.getPrivate().getEncoded())
              + "\n-----END PRIVATE KEY-----\n";
      return new NodeKeys(key, out.toString());
    } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
      throw new NodeAgentException("could not make the node's key and request for " + id, e);
    }
  }

  @Override
  public String toString() {
    return "NodeKeys[key hidden]";
  }
}
