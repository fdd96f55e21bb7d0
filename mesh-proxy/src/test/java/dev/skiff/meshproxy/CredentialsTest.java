package dev.skiff.meshproxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.skiff.api.mesh.IssuedCertificate;
import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.internal.Csr;
import dev.skiff.meshproxy.internal.Pem;
import dev.skiff.meshproxy.testing.TestCa;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

class CredentialsTest {
  private static final TestCa CA = TestCa.create("credentials");

  private static Credentials issue(SpiffeId id, KeyPair keys, IssuedCertificate issued) {
    return Credentials.of(id, keys, issued);
  }

  private static IssuedCertificate issued(SpiffeId id, KeyPair keys) {
    return CA.issue(Csr.request(id, keys), Duration.ofHours(1));
  }

  @Test
  void identitiesOfOneTrustDomainShareOneCopyOfTheBundleTextAndTheParsedCaCertificates() {
    SpiffeId a = SpiffeId.workload("skiff.local", "default", "a");
    SpiffeId b = SpiffeId.workload("skiff.local", "default", "b");
    KeyPair ka = Csr.newKeyPair();
    KeyPair kb = Csr.newKeyPair();
    IssuedCertificate ia = issued(a, ka);
    IssuedCertificate ib = issued(b, kb);
    IssuedCertificate copy =
        new IssuedCertificate(
            ib.spiffeId(),
            ib.certificateChain(),
            new String(ib.trustBundle().toCharArray()),
            ib.notBefore(),
            ib.notAfter(),
            ib.serial());

    Credentials ca = issue(a, ka, ia);
    Credentials cb = issue(b, kb, copy);

    assertEquals(ia.trustBundle(), ca.trustBundlePem());
    assertSame(ca.trustBundlePem(), cb.trustBundlePem());
    assertSame(ca.roots().get(0), cb.roots().get(0));
    assertSame(ca.chain().get(1), cb.chain().get(1), "the intermediate");
  }

  @Test
  void theLeafParsedOnFirstUseIsTheIssuedOneAndHoldsTheKey() throws Exception {
    SpiffeId id = SpiffeId.workload("skiff.local", "shop", "cart");
    KeyPair keys = Csr.newKeyPair();
    IssuedCertificate issued = issued(id, keys);
    List<X509Certificate> asIssued = Pem.certificates(issued.certificateChain(), "the chain");

    Credentials c = issue(id, keys, issued);

    List<X509Certificate> chain = c.chain();
    assertEquals(asIssued.size(), chain.size());
    for (int i = 0; i < chain.size(); i++) {
      assertArrayEquals(asIssued.get(i).getEncoded(), chain.get(i).getEncoded(), "cert " + i);
    }
    assertEquals(keys.getPublic(), c.leaf().getPublicKey());
    assertEquals(List.of(id.uri()), Pem.spiffeUris(c.leaf()));
    assertEquals(asIssued.get(0).getNotBefore().toInstant(), c.notBefore());
    assertEquals(asIssued.get(0).getNotAfter().toInstant(), c.notAfter());
    assertEquals(asIssued, Pem.certificates(c.chainPem(), "the chain again"));
    // The key as PEM signs what the leaf's public key verifies.
    PrivateKey key = privateKey(c.privateKeyPem());
    Signature sign = Signature.getInstance("SHA256withECDSA");
    sign.initSign(key);
    sign.update(new byte[] {1, 2, 3});
    byte[] sig = sign.sign();
    Signature verify = Signature.getInstance("SHA256withECDSA");
    verify.initVerify(c.leaf().getPublicKey());
    verify.update(new byte[] {1, 2, 3});
    assertEquals(true, verify.verify(sig));
  }

  @Test
  void anotherTrustBundleKeepsTheKeyAndTheLeaf() {
    SpiffeId id = SpiffeId.workload("skiff.local", "shop", "cart");
    KeyPair keys = Csr.newKeyPair();
    Credentials c = issue(id, keys, issued(id, keys));
    String both = CA.trustBundlePem() + TestCa.create("next").trustBundlePem();

    Credentials rotated = c.withTrustBundle(both);

    assertEquals(2, rotated.roots().size());
    assertEquals(c.chainPem(), rotated.chainPem());
    assertEquals(c.privateKeyPem(), rotated.privateKeyPem());
    assertEquals(c.notAfter(), rotated.notAfter());
  }

  @Test
  void aLeafForAnotherKeyIsRefused() {
    SpiffeId id = SpiffeId.workload("skiff.local", "shop", "cart");
    KeyPair keys = Csr.newKeyPair();
    IssuedCertificate forOther = issued(id, Csr.newKeyPair());

    InvalidIdentityException e =
        assertThrows(InvalidIdentityException.class, () -> issue(id, keys, forOther));
    assertEquals(true, e.getMessage().contains("another key"), e.getMessage());
  }

  private static PrivateKey privateKey(String pem) throws Exception {
    String b64 =
        pem.replace("-----BEGIN PRIVATE KEY-----", "")
            .replace("-----END PRIVATE KEY-----", "")
            .replaceAll("\\s", "");
    return KeyFactory.getInstance("EC")
        .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(b64)));
  }
}
