package dev.skiff.oci.internal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** SHA-256 content digests in the OCI form {@code sha256:<64 hex>}. */
public final class Digests {
  private static final Pattern SHA256 = Pattern.compile("sha256:[a-f0-9]{64}");

  private Digests() {}

  public static boolean isValid(String digest) {
    return digest != null && SHA256.matcher(digest).matches();
  }

  /** The hex part of a valid digest; throws {@link IllegalArgumentException} for anything else. */
  public static String hex(String digest) {
    if (!isValid(digest)) {
      throw new IllegalArgumentException(
          "not a sha256 digest: '" + digest + "' (expected sha256:<64 lowercase hex>)");
    }
    return digest.substring(7);
  }

  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }

  public static String of(MessageDigest md) {
    return "sha256:" + HexFormat.of().formatHex(md.digest());
  }

  public static String of(byte[] bytes) {
    MessageDigest md = sha256();
    md.update(bytes);
    return of(md);
  }

  public static String of(Path file) throws IOException {
    MessageDigest md = sha256();
    try (InputStream in = Files.newInputStream(file)) {
      update(md, in);
    }
    return of(md);
  }

  /** Feeds the rest of {@code in} into {@code md}; returns the number of bytes read. */
  public static long update(MessageDigest md, InputStream in) throws IOException {
    byte[] buf = new byte[64 * 1024];
    long total = 0;
    for (int n; (n = in.read(buf)) > 0; ) {
      md.update(buf, 0, n);
      total += n;
    }
    return total;
  }
}
