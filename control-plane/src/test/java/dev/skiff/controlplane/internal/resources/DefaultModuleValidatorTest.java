package dev.skiff.controlplane.internal.resources;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DefaultModuleValidatorTest {
  final DefaultModuleValidator v = new DefaultModuleValidator();

  @Test
  void acceptsTheWasmMagicAndVersionOne() {
    assertDoesNotThrow(() -> v.validate(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0, 1, 2}));
  }

  @Test
  void rejectsOtherBytesWithAReason() {
    assertTrue(
        assertThrows(RuntimeException.class, () -> v.validate("hello wasm".getBytes()))
            .getMessage()
            .contains("magic"));
    assertTrue(
        assertThrows(
                RuntimeException.class, () -> v.validate(new byte[] {0, 'a', 's', 'm', 2, 0, 0, 0}))
            .getMessage()
            .contains("version"));
    assertThrows(RuntimeException.class, () -> v.validate(new byte[3]));
  }
}
