package dev.skiff.node.container.internal;

import dev.skiff.node.InstanceStartException;
import dev.skiff.node.container.ContainerRuntimeException;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * An instance's directory, {@code <data>/containers/<key>/}: the OCI bundle ({@code config.json},
 * the {@code rootfs} mount point), the overlay's {@code upper} and {@code work}, and {@code logs},
 * which outlive the instance. Blocking.
 */
public final class Bundle {
  private static final String LOGS = "logs";
  private final Path dir;

  public Bundle(Path dataDir, String key) {
    this.dir = containersDir(dataDir).resolve(key);
  }

  public static Path containersDir(Path dataDir) {
    return dataDir.resolve("containers");
  }

  public Path dir() {
    return dir;
  }

  public Path rootfs() {
    return dir.resolve("rootfs");
  }

  public Path upper() {
    return dir.resolve("upper");
  }

  public Path work() {
    return dir.resolve("work");
  }

  public Path logs() {
    return dir.resolve(LOGS);
  }

  public Path config() {
    return dir.resolve("config.json");
  }

  public Path hosts() {
    return dir.resolve("hosts");
  }

  public Path resolvConf() {
    return dir.resolve("resolv.conf");
  }

  /** A layer with nothing in it, for images without layers (overlayfs needs one). */
  public Path emptyLayer() {
    return dir.resolve("empty");
  }

  /**
   * Makes the directories. Logs of an earlier instance with the same key are kept and appended to;
   * anything else left there means a leftover that reconcile has not removed.
   */
  public void create() throws IOException {
    if (Files.isDirectory(dir)) {
      try (DirectoryStream<Path> ds =
          Files.newDirectoryStream(dir, p -> !p.getFileName().toString().equals(LOGS))) {
        if (ds.iterator().hasNext()) {
          throw new InstanceStartException(
              "InstanceExists",
              "instance directory " + dir + " is in use by another instance with the same id",
              null);
        }
      }
    }
    for (Path p : List.of(rootfs(), upper(), work(), logs(), emptyLayer())) {
      Files.createDirectories(p);
    }
  }

  /** Deletes everything but the logs. Refuses while anything below is still mounted. */
  public void deleteExceptLogs() {
    if (!Files.isDirectory(dir)) {
      return;
    }
    refuseIfMounted(dir);
    try (DirectoryStream<Path> ds =
        Files.newDirectoryStream(dir, p -> !p.getFileName().toString().equals(LOGS))) {
      for (Path p : ds) {
        deleteTree(p);
      }
    } catch (IOException e) {
      throw new ContainerRuntimeException("cannot remove bundle " + dir + ": " + e.getMessage(), e);
    }
  }

  /** True when only logs remain and none was written within {@code ageMillis}. */
  public boolean onlyLogsOlderThan(long ageMillis) throws IOException {
    long cutoff = System.currentTimeMillis() - ageMillis;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        if (!p.getFileName().toString().equals(LOGS)) {
          return false;
        }
      }
    }
    if (!Files.isDirectory(logs())) {
      return true;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(logs())) {
      for (Path p : ds) {
        if (Files.getLastModifiedTime(p).toMillis() > cutoff) {
          return false;
        }
      }
    }
    return true;
  }

  /** Deletes the whole directory, logs included. */
  public void deleteAll() {
    refuseIfMounted(dir);
    try {
      deleteTree(dir);
    } catch (IOException e) {
      throw new ContainerRuntimeException("cannot remove " + dir + ": " + e.getMessage(), e);
    }
  }

  private static void refuseIfMounted(Path dir) {
    // A recursive delete through a live overlay would walk into the image's files.
    List<Path> mounted = MountTable.under(dir);
    if (!mounted.isEmpty()) {
      throw new ContainerRuntimeException("not removing " + dir + ": still mounted at " + mounted);
    }
  }

  // Does not follow symlinks: a link in upper/ may point anywhere on the node.
  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            if (e != null) {
              throw e;
            }
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
