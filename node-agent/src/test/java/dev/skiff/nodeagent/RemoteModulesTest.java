package dev.skiff.nodeagent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** A module is used only when its bytes hash to the digest the revision names. */
class RemoteModulesTest {
  @Test
  void bytesMatchingTheirDigestAreAccepted() throws Exception {
    byte[] bytes = "\0asm module".getBytes(StandardCharsets.UTF_8);
    assertArrayEquals(bytes, RemoteModules.checked(digest(bytes), bytes));
  }

  @Test
  void bytesNotMatchingTheirDigestAreRefusedSayingWhy() throws Exception {
    byte[] bytes = "\0asm module".getBytes(StandardCharsets.UTF_8);
    String other = digest("something else".getBytes(StandardCharsets.UTF_8));
    NodeAgentException e =
        assertThrows(NodeAgentException.class, () -> RemoteModules.checked(other, bytes));
    assertTrue(e.getMessage().contains("refused"), e.getMessage());
    assertTrue(e.getMessage().contains(digest(bytes)), e.getMessage());
  }

  private static String digest(byte[] b) throws Exception {
    return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
