package dev.skiff.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ImageReferenceTest {
  private static final String DIGEST = "sha256:" + "ab".repeat(32);

  @Test
  void fillsDockerHubDefaults() {
    ImageReference r = ImageReference.parse("alpine");
    assertEquals(new ImageReference("docker.io", "library/alpine", "latest", null), r);
    assertEquals("registry-1.docker.io", r.endpoint());
    assertEquals("docker.io/library/alpine:latest", r.toString());
    assertEquals("docker.io/user/app:1.0", ImageReference.parse("user/app:1.0").toString());
  }

  @Test
  void parsesHostPortTagAndDigest() {
    ImageReference r = ImageReference.parse("127.0.0.1:5000/team/app:v2@" + DIGEST);
    assertEquals("127.0.0.1:5000", r.registry());
    assertEquals("team/app", r.repository());
    assertEquals("v2", r.tag());
    assertEquals(DIGEST, r.digest());
    assertEquals(DIGEST, r.tagOrDigest());
    ImageReference pinned = ImageReference.parse("localhost/app@" + DIGEST);
    assertNull(pinned.tag());
    assertEquals("localhost/app@" + DIGEST, pinned.toString());
    assertEquals("[::1]:5000", ImageReference.parse("[::1]:5000/app").registry());
  }

  @Test
  void knowsLoopbackRegistries() {
    assertTrue(ImageReference.parse("localhost:5000/a").isLoopback());
    assertTrue(ImageReference.parse("127.0.0.53/a").isLoopback());
    assertTrue(ImageReference.parse("[::1]:5000/a").isLoopback());
    assertFalse(ImageReference.parse("registry.example.com/a").isLoopback());
    assertFalse(ImageReference.parse("127.0.0.1.example.com/a").isLoopback());
    assertFalse(ImageReference.parse("alpine").isLoopback());
  }

  @Test
  void rejectsMalformedReferencesSayingWhy() {
    assertTrue(
        assertThrows(InvalidImageReferenceException.class, () -> ImageReference.parse("App"))
            .getMessage()
            .contains("lowercase"));
    assertTrue(
        assertThrows(
                InvalidImageReferenceException.class, () -> ImageReference.parse("app@sha256:abc"))
            .getMessage()
            .contains("64 lowercase hex"));
    assertTrue(
        assertThrows(InvalidImageReferenceException.class, () -> ImageReference.parse("app:-bad"))
            .getMessage()
            .contains("tag"));
    assertThrows(InvalidImageReferenceException.class, () -> ImageReference.parse(""));
    assertThrows(InvalidImageReferenceException.class, () -> ImageReference.parse("host:5000/"));
    assertThrows(InvalidImageReferenceException.class, () -> ImageReference.parse("a//b"));
  }
}
