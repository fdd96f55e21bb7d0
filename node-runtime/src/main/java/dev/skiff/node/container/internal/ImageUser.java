package dev.skiff.node.container.internal;

import dev.skiff.node.InstanceStartException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The image config's {@code User} resolved against the rootfs the way Docker does: {@code uid},
 * {@code uid:gid}, {@code name}, {@code name:group}; names through the rootfs's {@code /etc/passwd}
 * and {@code /etc/group}; a numeric uid without a passwd entry runs with gid 0; supplementary
 * groups from {@code /etc/group}.
 */
public record ImageUser(long uid, long gid, List<Long> additionalGids, String home) {

  public static final ImageUser ROOT = new ImageUser(0, 0, List.of(), "/root");

  /** Resolves {@code spec} (may be null or empty: root) against the mounted {@code rootfs}. */
  public static ImageUser resolve(String spec, Path rootfs) {
    if (spec == null || spec.isBlank()) {
      spec = "0";
    }
    String[] parts = spec.split(":", 2);
    String userPart = parts[0];
    String groupPart = parts.length > 1 ? parts[1] : null;
    List<String[]> passwd = table(rootfs, "passwd");
    List<String[]> group = table(rootfs, "group");

    String[] entry = null;
    for (String[] p : passwd) {
      if (p.length >= 4 && (p[0].equals(userPart) || p[2].equals(userPart))) {
        entry = p;
        break;
      }
    }
    long uid;
    if (isNumber(userPart)) {
      uid = Long.parseLong(userPart);
    } else if (entry != null) {
      uid = Long.parseLong(entry[2]);
    } else {
      throw new InstanceStartException(
          "InvalidUser",
          "image user '"
              + userPart
              + "' is not in the image's /etc/passwd; use a numeric uid or add"
              + " the user to the image",
          null);
    }
    long gid;
    if (groupPart == null) {
      gid = entry != null && isNumber(entry[3]) ? Long.parseLong(entry[3]) : 0;
    } else if (isNumber(groupPart)) {
      gid = Long.parseLong(groupPart);
    } else {
      gid = -1;
      for (String[] g : group) {
        if (g.length >= 3 && g[0].equals(groupPart) && isNumber(g[2])) {
          gid = Long.parseLong(g[2]);
          break;
        }
      }
      if (gid < 0) {
        throw new InstanceStartException(
            "InvalidUser",
            "image group '" + groupPart + "' is not in the image's /etc/group; use a numeric gid",
            null);
      }
    }
    List<Long> extra = new ArrayList<>();
    if (entry != null && groupPart == null) {
      for (String[] g : group) {
        if (g.length >= 4 && isNumber(g[2]) && List.of(g[3].split(",")).contains(entry[0])) {
          long id = Long.parseLong(g[2]);
          if (id != gid && !extra.contains(id)) {
            extra.add(id);
          }
        }
      }
    }
    String home =
        entry != null && entry.length >= 6 && !entry[5].isEmpty()
            ? entry[5]
            : (uid == 0 ? "/root" : "/");
    return new ImageUser(uid, gid, List.copyOf(extra), home);
  }

  private static boolean isNumber(String s) {
    return !s.isEmpty() && s.chars().allMatch(Character::isDigit) && s.length() < 11;
  }

  // Reads {rootfs}/etc/{name} without following symlinks, which could point into the node's own
  // /etc.
  private static List<String[]> table(Path rootfs, String name) {
    Path etc = rootfs.resolve("etc");
    Path file = etc.resolve(name);
    List<String[]> out = new ArrayList<>();
    if (!Files.isDirectory(etc, LinkOption.NOFOLLOW_LINKS)
        || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return out;
    }
    try {
      for (String line : Files.readAllLines(file)) {
        if (!line.isBlank() && !line.startsWith("#")) {
          out.add(line.split(":", -1));
        }
      }
    } catch (IOException e) {
      // An unreadable table is treated as absent, as Docker does.
    }
    return out;
  }
}
