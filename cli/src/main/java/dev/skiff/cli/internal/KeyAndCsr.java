package dev.skiff.cli.internal;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * A fresh ECDSA P-256 key made on this machine and a PKCS#10 request for it: the key never leaves
 * the process except into the file the user asked for; the CA gets only the request.
 *
 * @param privateKeyPem the key as unencrypted PKCS#8 PEM
 * @param csrPem the request, signed with the key, naming no identity (the CA decides it)
 */
public record KeyAndCsr(String privateKeyPem, String csrPem) {
  public static KeyAndCsr generate() {
    try {
      KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
      gen.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair keys = gen.generateKeyPair();
      var csr =
          new JcaPKCS10CertificationRequestBuilder(new X500Name("O=skiff"), keys.getPublic())
              .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));
      return new KeyAndCsr(
          pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate()), pem(csr));
    } catch (GeneralSecurityException | OperatorCreationException e) {
      throw new CliException(
          "cannot make an ECDSA P-256 key here: " + e.getMessage(),
          "use a JDK with the SunEC provider (any standard JDK 17)");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String pem(Object o) throws IOException {
    StringWriter w = new StringWriter();
    try (JcaPEMWriter pw = new JcaPEMWriter(w)) {
      pw.writeObject(o);
    }
    return w.toString();
  }
}
