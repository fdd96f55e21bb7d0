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
    List<String> lines;
    try {
      lines = Files.readAllLines(Path.of("/proc/self/mountinfo"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Mount> out = new ArrayList<>();
    for (String line : lines) {
      // id parent major:minor root mount-point options [optional fields...] - fstype source
      // super-options
      String[] f = line.split(" ");
      int dash = line.indexOf(" - ");
      if (f.length < 5 || dash < 0) {
        continue;
      }
      String fsType = line.substring(dash + 3).split(" ")[0];
      out.add(new Mount(Path.of(unescape(f[4])), fsType));
    }
    return out;
  }

  /** Mount points at or below {@code dir}, deepest first so they can be unmounted in order. */
  public static List<Path> under(Path dir) {
    Path base = dir.toAbsolutePath().normalize();
    List<Path> out = new ArrayList<>();
    for (Mount m : read()) {
      if (m.mountPoint().startsWith(base)) {
        out.add(m.mountPoint());
      }
    }
    out.sort((a, b) -> Integer.compare(b.getNameCount(), a.getNameCount()));
    return out;
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
