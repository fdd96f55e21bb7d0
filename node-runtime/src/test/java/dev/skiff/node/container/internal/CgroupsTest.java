package dev.skiff.node.container.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupsTest {
  @TempDir Path hierarchy;

  @Test
  void readsTheMountTableOnceHoweverManyStopsItServes() throws Exception {
    Files.createDirectories(hierarchy.resolve("skiff/a"));
    Files.createDirectories(hierarchy.resolve("skiff/b"));
    Files.writeString(hierarchy.resolve("skiff/b/memory.events"), "oom 1\noom_kill 2\n");
    AtomicInteger reads = new AtomicInteger();
    Cgroups cgroups =
        new Cgroups(
            "/skiff",
            () -> {
              reads.incrementAndGet();
              return List.of(
                  new MountTable.Mount(Path.of("/"), "ext4"),
                  new MountTable.Mount(hierarchy, "cgroup2"));
            });

    assertEquals(List.of(hierarchy.resolve("skiff/a")), cgroups.dirs("a"));
    assertEquals(0, cgroups.oomKills("a"));
    assertEquals(2, cgroups.oomKills("b"));
    assertEquals(List.of(hierarchy.resolve("skiff/b")), cgroups.dirs("b"));
    assertEquals(1, reads.get());
  }

  @Test
  void looksAgainWhileNoHierarchyIsMounted() throws Exception {
    Files.createDirectories(hierarchy.resolve("skiff/a"));
    AtomicInteger reads = new AtomicInteger();
    Cgroups cgroups =
        new Cgroups(
            "/skiff",
            () ->
                reads.incrementAndGet() == 1
                    ? List.of()
                    : List.of(new MountTable.Mount(hierarchy, "cgroup")));

    assertEquals(List.of(), cgroups.dirs("a"));
    assertEquals(List.of(hierarchy.resolve("skiff/a")), cgroups.dirs("a"));
    assertEquals(List.of(hierarchy.resolve("skiff/a")), cgroups.dirs("a"));
    assertEquals(2, reads.get());
  }
}
