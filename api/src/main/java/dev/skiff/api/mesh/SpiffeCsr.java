package dev.skiff.api.mesh;

import java.io.IOException;
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
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * The key and certificate request a Skiff component sends the mesh CA for one SPIFFE ID, whatever
 * the road (the node port, {@code POST /v1/mesh/certificates}, a sidecar's issuer): an EC P-256 key
 * made in this process, which never leaves it, and a PKCS#10 request signed with it whose only URI
 * SAN is the ID, its subject empty. Key generation is CPU-bound: run it off the event loop.
 *
 * <p>A module that calls this declares BouncyCastle ({@code bcpkix}, {@code bcprov}) itself: the
 * api module holds it as an optional dependency. Failures are {@link IllegalStateException}s, which
 * callers report as their own module's exception.
 */
public final class SpiffeCsr {
  private SpiffeCsr() {}

  /** A new P-256 key pair. */
  public static KeyPair newKeyPair() {
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"));
      return gen.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("this JVM cannot make EC P-256 keys: " + e.getMessage(), e);
    }
  }

  /** The PEM {@code CERTIFICATE REQUEST} for {@code id}, signed with {@code keys}. */
  public static String request(SpiffeId id, KeyPair keys) {
    try {
      ExtensionsGenerator ext = new ExtensionsGenerator();
      ext.addExtension(
          Extension.subjectAlternativeName,
          true,
          new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, id.uri())));
      var csr =
          new JcaPKCS10CertificationRequestBuilder(new X500Name(""), keys.getPublic())
              .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, ext.generate())
              .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
      return pem("CERTIFICATE REQUEST", csr.getEncoded());
    } catch (IOException | OperatorCreationException e) {
      throw new IllegalStateException("could not build a certificate request for " + id, e);
    }
  }

  /** The private key of {@code keys} as a PKCS#8 PEM {@code PRIVATE KEY}. */
  public static String privateKeyPem(KeyPair keys) {
    return pem("PRIVATE KEY", keys.getPrivate().getEncoded());
  }

  private static String pem(String type, byte[] der) {
    String b64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
    return "-----BEGIN " + type + "-----\n" + b64 + "\n-----END " + type + "-----\n";
  }
}
