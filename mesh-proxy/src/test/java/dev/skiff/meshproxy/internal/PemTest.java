package dev.skiff.meshproxy.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.meshproxy.testing.TestCa;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTest {
  @TempDir Path dir;

  @Test
  void identitiesOfOneCaShareTheParsedCaCertificatesButNotTheirLeaves() throws Exception {
    TestCa ca = TestCa.create("mesh");
    String a = chain(ca, SpiffeId.workload("skiff.local", "shop", "cart"));
    String b = chain(ca, SpiffeId.workload("skiff.local", "shop", "checkout"));

    List<X509Certificate> first = Pem.certificates(a, "a");
    List<X509Certificate> second = Pem.certificates(b, "b");
    List<X509Certificate> roots = Pem.certificates(ca.trustBundlePem(), "roots");
    List<X509Certificate> rootsAgain = Pem.certificates(ca.trustBundlePem(), "roots");

    assertNotSame(first.get(0), second.get(0));
    for (int i = 1; i < first.size(); i++) {
      assertSame(first.get(i), second.get(i), "one parsed copy of the CA certificate " + i);
    }
    assertSame(roots.get(0), rootsAgain.get(0), "one parsed copy of the root");
    assertEquals(2, first.size(), "leaf and intermediate");
  }

  /** The chain PEM (leaf, then the intermediate) TestCa writes for {@code id}. */
  private String chain(TestCa ca, SpiffeId id) throws Exception {
    return Files.readString(ca.writeIdentity(dir, id).resolve("cert.pem"));
  }
}
