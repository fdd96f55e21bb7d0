package dev.skiff.oci.internal;

import dev.skiff.oci.ImageReference;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The tags image imports recorded, under {@code {data}/oci/refs/}: one file per tag at {@code
 * <registry>/<repository>:<tag>} holding the manifest digest it names. The path is the reference
 * itself, which is safe: references are validated, no component starts with a dot, and a repository
 * component cannot contain the colon that starts the tag. Blocking; call from workers.
 */
public final class ImportedTags {
  private static final System.Logger LOG = System.getLogger(ImportedTags.class.getName());

  private final Path root;

  public ImportedTags(Path ociRoot) throws IOException {
    this.root = Files.createDirectories(ociRoot.resolve("refs"));
  }

  /** Records that {@code ref}'s tag names {@code digest}, replacing what it named before. */
  public void put(ImageReference ref, String digest) throws IOException {
    Path file = file(ref);
    Files.createDirectories(file.getParent());
    FileSync.write(file, (digest + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /** The digest {@code ref}'s tag names, or null when no import recorded it. */
  public String get(ImageReference ref) throws IOException {
    try {
      String digest = Files.readString(file(ref), StandardCharsets.UTF_8).strip();
      if (!Digests.isValid(digest)) {
        throw new IOException(
            "the recorded tag "
                + file(ref)
                + " is corrupted ('"
                + digest
                + "'); import the image again");
      }
      return digest;
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** Every digest a recorded tag names: roots for garbage collection. */
  public Set<String> digests() throws IOException {
    Set<String> out = new HashSet<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        String name = f.getFileName().toString();
        if (name.startsWith(".")) {
          continue; // a write a crash interrupted
        }
        String digest = Files.readString(f, StandardCharsets.UTF_8).strip();
        if (Digests.isValid(digest)) {
          out.add(digest);
        } else {
          LOG.log(Level.WARNING, "ignoring corrupted recorded tag " + f);
        }
      }
    }
    return out;
  }

  private Path file(ImageReference ref) {
    if (ref.tag() == null) {
      throw new IllegalArgumentException(ref + " has no tag");
    }
    return root.resolve(ref.registry().toLowerCase(Locale.ROOT))
        .resolve(ref.repository() + ":" + ref.tag());
  }
}
