package dev.skiff.node.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.skiff.node.InstanceStartException;
import dev.skiff.node.container.internal.ImageUser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageUserTest {
  @TempDir Path rootfs;

  @BeforeEach
  void etc() throws Exception {
    Files.createDirectories(rootfs.resolve("etc"));
    Files.writeString(
        rootfs.resolve("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1001:app:/home/app:/bin/sh\n");
    Files.writeString(
        rootfs.resolve("etc/group"), "root:x:0:\napp:x:1001:\nextra:x:2000:app,other\n");
  }

  @Test
  void emptyMeansRoot() {
    assertEquals(new ImageUser(0, 0, List.of(), "/root"), ImageUser.resolve("", rootfs));
    assertEquals(new ImageUser(0, 0, List.of(), "/root"), ImageUser.resolve(null, rootfs));
  }

  @Test
  void namesResolveThroughPasswdWithSupplementaryGroups() {
    assertEquals(
        new ImageUser(1000, 1001, List.of(2000L), "/home/app"), ImageUser.resolve("app", rootfs));
    assertEquals(
        new ImageUser(1000, 1001, List.of(2000L), "/home/app"), ImageUser.resolve("1000", rootfs));
    assertEquals(
        new ImageUser(1000, 2000, List.of(), "/home/app"), ImageUser.resolve("app:extra", rootfs));
    assertEquals(
        new ImageUser(1000, 7, List.of(), "/home/app"), ImageUser.resolve("app:7", rootfs));
  }

  @Test
  void unknownNumericUidRunsWithGroupZero() {
    assertEquals(new ImageUser(4242, 0, List.of(), "/"), ImageUser.resolve("4242", rootfs));
    assertEquals(new ImageUser(4242, 5, List.of(), "/"), ImageUser.resolve("4242:5", rootfs));
  }

  @Test
  void unknownNamesAreAClearStartFailure() {
    InstanceStartException e =
        assertThrows(InstanceStartException.class, () -> ImageUser.resolve("ghost", rootfs));
    assertEquals("InvalidUser", e.reason());
    assertThrows(InstanceStartException.class, () -> ImageUser.resolve("app:ghosts", rootfs));
  }

  @Test
  void symlinkedPasswdIsNotFollowedOutOfTheRootfs() throws Exception {
    Files.delete(rootfs.resolve("etc/passwd"));
    Files.createSymbolicLink(rootfs.resolve("etc/passwd"), Path.of("/etc/passwd"));
    // "root" exists in the node's /etc/passwd; through the link it would resolve.
    assertThrows(InstanceStartException.class, () -> ImageUser.resolve("root", rootfs));
  }
}
