package dev.skiff.wasm;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The result area {@link Wat#outboundCaller} prints: the error code of each host call and what they
 * wrote. Offsets are relative to guest address 4096.
 */
public record OutboundResults(byte[] area) {
  private int u32(int at) {
    return ByteBuffer.wrap(area, at, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
  }

  public int reqError() {
    return u32(0);
  }

  public int status() {
    return u32(4) & 0xFFFF;
  }

  public int handle() {
    return u32(8);
  }

  public int bodyReadError() {
    return u32(12);
  }

  public String body() {
    return text(5000 - 4096, u32(16));
  }

  public int headersError() {
    return u32(20);
  }

  public String headers() {
    return text(6000 - 4096, u32(24));
  }

  public int headerGetError() {
    return u32(28);
  }

  public String contentType() {
    return text(7000 - 4096, u32(32));
  }

  public int closeError() {
    return u32(36);
  }

  public int bodyReadAfterCloseError() {
    return u32(40);
  }

  private String text(int at, int len) {
    return new String(Arrays.copyOfRange(area, at, at + len), StandardCharsets.UTF_8);
  }
}
