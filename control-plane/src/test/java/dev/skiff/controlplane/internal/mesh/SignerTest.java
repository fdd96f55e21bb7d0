package dev.skiff.controlplane.internal.mesh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import dev.skiff.api.mesh.SpiffeId;
import java.io.ByteArrayInputStream;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SignerTest {
  @Test
  void aSignedLeafLeavesNoParsedCopyInTheJdksCertificateCache() throws Exception {
    Instant now = Instant.now();
    KeyPair rootKeys = Signer.newKeyPair();
    X509Certificate root =
        Signer.root(rootKeys, "skiff.local", now.minusSeconds(60), now.plus(Duration.ofDays(1)));
    KeyPair leafKeys = Signer.newKeyPair();
    SpiffeId id = SpiffeId.workload("skiff.local", "default", "hello");

    X509Certificate leaf =
        Signer.leaf(
            leafKeys.getPublic(),
            id,
            root,
            rootKeys.getPrivate(),
            now.minusSeconds(60),
            now.plus(Duration.ofHours(1)));

    leaf.verify(rootKeys.getPublic());
    assertEquals(leafKeys.getPublic(), leaf.getPublicKey());
    // generateCertificate answers the instance its cache holds for these bytes, if it holds one.
    X509Certificate again =
        (X509Certificate)
            CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(leaf.getEncoded()));
    assertNotSame(leaf, again);
    assertArrayEquals(leaf.getEncoded(), again.getEncoded());
  }
}
