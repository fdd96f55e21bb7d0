package dev.skiff.node.container.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads this process's mount table ({@code /proc/self/mountinfo}). */
public final class MountTable {
  /** One mount: where, and which filesystem type. */
  public record Mount(Path mountPoint, String fsType) {}

  private MountTable() {}

  public static List<Mount> read() {
    List<Mount> out = new ArrayList<>();
    for (String line : lines()) {
      Mount m = parse(line);
      if (m != null) {
        out.add(m);
      }
    }
    return out;
  }

  /** Mount points at or below {@code dir}, deepest first so they can be unmounted in order. */
  public static List<Path> under(Path dir) {
    Path base = dir.toAbsolutePath().normalize();
    String prefix = base.toString();
    List<Path> out = new ArrayList<>();
    for (String line : lines()) {
      // Most lines are other mounts: their mount point (escaped or not) cannot start with the
      // directory's name, so only the others are parsed.
      if (!line.contains(prefix) && line.indexOf('\\') < 0) {
        continue;
      }
      Mount m = parse(line);
      if (m != null && m.mountPoint().startsWith(base)) {
        out.add(m.mountPoint());
      }
    }
    out.sort((a, b) -> Integer.compare(b.getNameCount(), a.getNameCount()));
    return out;
  }

  /**
   * One line of {@code mountinfo}: {@code id parent major:minor root mount-point options [optional
   * fields...] - fstype source super-options}; null when it is not one.
   */
  static Mount parse(String line) {
    int at = 0;
    for (int field = 0; field < 4; field++) {
      at = line.indexOf(' ', at) + 1;
      if (at == 0) {
        return null;
      }
    }
    int end = line.indexOf(' ', at);
    int dash = line.indexOf(" - ", Math.max(end, 0));
    if (end < 0 || dash < 0) {
      return null;
    }
    int typeEnd = line.indexOf(' ', dash + 3);
    String fsType = line.substring(dash + 3, typeEnd < 0 ? line.length() : typeEnd);
    return new Mount(Path.of(unescape(line.substring(at, end))), fsType);
  }

  private static List<String> lines() {
    try {
      return Files.readAllLines(Path.of("/proc/self/mountinfo"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // mountinfo escapes space, tab, newline and backslash as \ooo.
  private static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
