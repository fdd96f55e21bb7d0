package dev.skiff.controlplane;

import dev.skiff.api.validation.FieldError;
import java.util.List;

/**
 * Bytes offered as a WebAssembly module are not a valid one; the message is the parser's reason.
 */
public class ModuleInvalidException extends InvalidResourceException {
  private static final long serialVersionUID = 1L;

  public ModuleInvalidException(String field, String reason) {
    super(
        "not a valid WebAssembly module: " + reason,
        "build the module for wasm32-wasi and upload the .wasm file itself",
        List.of(new FieldError(field, "not a valid WebAssembly module: " + reason, null)));
  }
}
