package dev.skiff.oci.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.skiff.oci.ImageReference;
import org.junit.jupiter.api.Test;

class RegistryHttpTest {
  @Test
  void usesPlainHttpOnlyForLoopbackOrWhenAskedTo() {
    assertEquals(
        "http://127.0.0.1:5000",
        RegistryHttp.base(ImageReference.parse("127.0.0.1:5000/a"), false).toString());
    assertEquals(
        "http://localhost:5000",
        RegistryHttp.base(ImageReference.parse("localhost:5000/a"), false).toString());
    assertEquals(
        "https://registry.example.com",
        RegistryHttp.base(ImageReference.parse("registry.example.com/a"), false).toString());
    assertEquals(
        "http://registry.lan:5000",
        RegistryHttp.base(ImageReference.parse("registry.lan:5000/a"), true).toString());
    assertEquals(
        "https://registry-1.docker.io",
        RegistryHttp.base(ImageReference.parse("alpine"), false).toString());
  }

  @Test
  void summarisesRegistryErrorBodies() {
    assertEquals(
        ": MANIFEST_UNKNOWN manifest unknown; NAME_UNKNOWN repository name not known",
        RegistryHttp.errorSummary(
            "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":"
                + "\"manifest unknown\"},{\"code\":\"NAME_UNKNOWN\",\"message\":"
                + "\"repository name not known\"}]}"));
    assertEquals(": not json", RegistryHttp.errorSummary("not json\n"));
    assertEquals("", RegistryHttp.errorSummary(""));
  }
}
