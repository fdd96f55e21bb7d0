package dev.skiff.wasm.internal;

import com.dylibso.chicory.compiler.Cache;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Properties;

/**
 * Chicory's compiled-code cache kept in a directory: one jar of generated classes per module
 * digest.
 *
 * <p>Entries live under {@code chicory-<version>/}, because generated classes call into the Chicory
 * runtime that produced them and must not be loaded by another version. Writes go to a temporary
 * file that is then renamed, so readers see a whole entry or none, and concurrent writers of the
 * same digest are harmless. The directory holds code the JVM will load: it is created owner-only
 * and must stay private to the node.
 */
public final class DiskCache implements Cache {
  private final Path dir;

  public DiskCache(Path root) {
    this.dir = root.resolve("chicory-" + chicoryVersion());
    try {
      Files.createDirectories(dir);
      restrictToOwner(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create compiled-code cache " + dir, e);
    }
  }

  public Path dir() {
    return dir;
  }

  @Override
  public byte[] get(String key) throws IOException {
    Path entry = entry(key);
    try {
      return Files.readAllBytes(entry);
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    }
  }

  @Override
  public void putIfAbsent(String key, byte[] data) throws IOException {
    Path entry = entry(key);
    if (Files.exists(entry)) {
      return;
    }
    Path tmp = Files.createTempFile(dir, "entry-", ".tmp");
    try {
      Files.write(tmp, data);
      Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
      // another loader won the race, or the filesystem cannot rename atomically: keep what is there
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Drops an entry that could not be loaded, so the next load compiles afresh. */
  public void evict(String key) {
    try {
      Files.deleteIfExists(entry(key));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Entries are named by the hex SHA-256 of the module, whatever form Chicory's key takes. */
  private Path entry(String key) {
    return dir.resolve(Digests.hex(key) + ".jar");
  }

  private static void restrictToOwner(Path path) throws IOException {
    if (path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwx------"));
    }
  }

  static String chicoryVersion() {
    String resource = "/META-INF/maven/com.dylibso.chicory/compiler/pom.properties";
    try (InputStream in = MachineFactoryCompiler.class.getResourceAsStream(resource)) {
      if (in == null) {
        return "unknown";
      }
      var properties = new Properties();
      properties.load(in);
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
