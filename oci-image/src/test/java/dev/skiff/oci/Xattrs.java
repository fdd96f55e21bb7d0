package dev.skiff.oci;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Reads any xattr namespace (Java's own view only reaches user.*), for assertions. */
final class Xattrs {
  private interface C extends Library {
    C INSTANCE = Native.load("c", C.class);

    long lgetxattr(String path, String name, byte[] value, long size);
  }

  private Xattrs() {}

  /** The value, or null when the attribute is absent. */
  static String get(Path path, String name) {
    byte[] buf = new byte[256];
    long n = C.INSTANCE.lgetxattr(path.toString(), name, buf, buf.length);
    return n < 0 ? null : new String(buf, 0, (int) n, StandardCharsets.UTF_8);
  }
}
