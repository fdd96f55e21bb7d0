package dev.skiff.node.container.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MountTableTest {
  @Test
  void readsTheMountPointAndTypeWithOptionalFieldsAndEscapes() {
    assertEquals(
        new MountTable.Mount(Path.of("/sys/fs/cgroup/memory"), "cgroup"),
        MountTable.parse(
            "35 26 0:30 / /sys/fs/cgroup/memory rw,nosuid shared:14 master:2 - cgroup cgroup"
                + " rw,memory"));
    assertEquals(
        new MountTable.Mount(Path.of("/data/my dir/rootfs"), "overlay"),
        MountTable.parse("90 1 0:60 / /data/my\\040dir/rootfs rw - overlay overlay rw,lowerdir=x"));
    assertEquals(
        new MountTable.Mount(Path.of("/run/netns/a"), "nsfs"),
        MountTable.parse("91 25 0:4 net:[4026532] /run/netns/a rw - nsfs"));
  }

  @Test
  void skipsWhatIsNotAMountLine() {
    assertNull(MountTable.parse(""));
    assertNull(MountTable.parse("35 26 0:30 /"));
    assertNull(MountTable.parse("35 26 0:30 / /mnt rw shared:1"));
  }

  @Test
  void findsThisProcessesOwnRootMount() {
    assertTrue(MountTable.read().stream().anyMatch(m -> m.mountPoint().equals(Path.of("/"))));
    assertEquals(java.util.List.of(), MountTable.under(Path.of("/no/such/dir/here")));
  }
}
