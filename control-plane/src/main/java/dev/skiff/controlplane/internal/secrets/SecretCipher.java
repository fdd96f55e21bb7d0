package dev.skiff.controlplane.internal.secrets;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals secret values with AES-256-GCM. The key is 32 random bytes in a file of its own (mode 0600,
 * made at first use), never in the store, so a copy of the store alone reveals no value. Each value
 * gets a fresh 96-bit nonce; the value's place ({@code namespace/secret/key}) is the associated
 * data, so a sealed value copied to another secret or key does not open.
 */
public final class SecretCipher {
  private static final int KEY_BYTES = 32;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rw-------");

  private final SecretKeySpec key;
  private final SecureRandom random = new SecureRandom();

  private SecretCipher(byte[] key) {
    this.key = new SecretKeySpec(key, "AES");
  }

  /**
   * The cipher whose key is in {@code keyFile}, making the file (mode 0600) with a new key when it
   * does not exist. Blocking: call it off the event loop.
   */
  public static SecretCipher fromKeyFile(Path keyFile) {
    try {
      if (!Files.exists(keyFile)) {
        create(keyFile);
      }
      if (!Files.getPosixFilePermissions(keyFile).equals(OWNER_ONLY)) {
        throw new IllegalStateException(
            "the secrets key file "
                + keyFile
                + " must be readable by its owner only; run: chmod 600 "
                + keyFile);
      }
      byte[] k = Files.readAllBytes(keyFile);
      if (k.length != KEY_BYTES) {
        throw new IllegalStateException(
            "the secrets key file "
                + keyFile
                + " holds "
                + k.length
                + " bytes, not "
                + KEY_BYTES
                + "; restore it from a backup (without it stored secrets cannot be read)");
      }
      return new SecretCipher(k);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or make the secrets key file " + keyFile, e);
    }
  }

  private static void create(Path keyFile) throws IOException {
    byte[] k = new byte[KEY_BYTES];
    new SecureRandom().nextBytes(k);
    Files.createDirectories(keyFile.toAbsolutePath().getParent());
    Path tmp = keyFile.resolveSibling(keyFile.getFileName() + ".new");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    Files.write(tmp, k, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
    try {
      Files.move(tmp, keyFile, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException e) {
      Files.deleteIfExists(tmp); // another process made it first: use theirs
    }
  }

  /** {@code value} sealed for its place, as base64 of nonce followed by ciphertext and tag. */
  public String seal(String place, byte[] value) {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      c.updateAAD(place.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = c.doFinal(value);
      return Base64.getEncoder()
          .encodeToString(
              ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("AES-GCM is not available in this JVM", e);
    }
  }

  /**
   * The value sealed for {@code place}.
   *
   * @throws IllegalStateException when it does not open: another key, another place, or tampering
   */
  public byte[] open(String place, String sealed) {
    byte[] all = Base64.getDecoder().decode(sealed);
    try {
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, all, 0, NONCE_BYTES));
      c.updateAAD(place.getBytes(StandardCharsets.UTF_8));
      return c.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(
          "the stored value of "
              + place
              + " does not open with this control plane's secrets key (was the key file replaced?)",
          e);
    }
  }
}
