package dev.skiff.wasm.spi;

import dev.skiff.wasm.WasmException;

/**
 * The function may not call this destination: the guest gets the ABI's {@code
 * destination_not_allowed} (7) and the reason goes to the function's log.
 */
public final class OutboundDeniedException extends WasmException {
  private static final long serialVersionUID = 1L;

  public OutboundDeniedException(String host, String reason) {
    super("outbound call to '" + host + "' not allowed: " + reason);
  }
}
