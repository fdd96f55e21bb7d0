package dev.skiff.controlplane.internal.resources;

import dev.skiff.controlplane.spi.ModuleValidator;

/** Accepts bytes that start like a WebAssembly 1.0 binary: {@code \0asm} then version 1. */
public final class DefaultModuleValidator implements ModuleValidator {
  private static final byte[] HEADER = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};

  @Override
  public void validate(byte[] module) {
    if (module.length < HEADER.length) {
      throw new IllegalArgumentException("too short to be a module: " + module.length + " bytes");
    }
    for (int i = 0; i < 4; i++) {
      if (module[i] != HEADER[i]) {
        throw new IllegalArgumentException("missing the \\0asm magic at the start");
      }
    }
    for (int i = 4; i < HEADER.length; i++) {
      if (module[i] != HEADER[i]) {
        throw new IllegalArgumentException(
            "unsupported binary version; only version 1 is supported");
      }
    }
  }
}
