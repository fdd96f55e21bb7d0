package dev.skiff.wasm;

/**
 * The bytes given to {@link WasmRuntime#load} are not a module this host can run: not WebAssembly,
 * rejected by the validator, or asking for something the host does not provide (an unknown import,
 * more memory than the limit, no {@code _start}). The message carries the reason.
 */
public final class ModuleInvalidException extends WasmException {
  private static final long serialVersionUID = 1L;
  private final String reason;

  public ModuleInvalidException(String reason) {
    this(reason, null);
  }

  public ModuleInvalidException(String reason, Throwable cause) {
    super("invalid Wasm module: " + reason, cause);
    this.reason = reason;
  }

  /** The validator's or the host's reason, without the prefix. */
  public String reason() {
    return reason;
  }
}
