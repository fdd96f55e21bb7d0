package dev.skiff.node.container;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.api.model.RevisionStatus;
import org.junit.jupiter.api.Test;

class ImagePinningTest {
  private static final String DIGEST = "sha256:" + "ab".repeat(32);

  @Test
  void aRevisionWithARecordedDigestRunsThatDigestWhateverTheTagSays() {
    RevisionStatus st = new RevisionStatus(DIGEST, 1, 1, null);
    assertEquals(
        "127.0.0.1:5000/app@" + DIGEST, ContainerBackend.pinned("127.0.0.1:5000/app:1", st));
    assertEquals("127.0.0.1:5000/app@" + DIGEST, ContainerBackend.pinned("127.0.0.1:5000/app", st));
    assertEquals(
        "registry/team/app@" + DIGEST, ContainerBackend.pinned("registry/team/app:v2", st));
  }

  @Test
  void aRevisionWithoutADigestOrAlreadyByDigestIsLeftAsIs() {
    assertEquals("busybox:1", ContainerBackend.pinned("busybox:1", null));
    assertEquals(
        "busybox:1", ContainerBackend.pinned("busybox:1", new RevisionStatus(null, 1, 1, null)));
    String byDigest = "app@sha256:" + "cd".repeat(32);
    assertEquals(
        byDigest, ContainerBackend.pinned(byDigest, new RevisionStatus(DIGEST, 1, 1, null)));
  }
}
