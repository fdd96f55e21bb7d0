package dev.skiff.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.manifest.Manifests;
import dev.skiff.api.model.AllowedHost;
import dev.skiff.api.model.Service;
import dev.skiff.api.validation.ResourceValidator;
import dev.skiff.api.validation.ValidationException;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A template's allowedHosts: the forms it accepts, what they match, and the errors it gives. */
class AllowedHostsTest {
  private static final String DIGEST = "sha256:" + "a".repeat(64);

  private static Service wasmService(String allowedHosts) {
    return (Service)
        Manifests.parse(
            "kind: Service\nmetadata: {name: a}\nspec: {template: {wasm: {digest: '"
                + DIGEST
                + "'}, allowedHosts: "
                + allowedHosts
                + "}}");
  }

  @Test
  void entriesMatchByHostAndByTheSchemeAndPortTheyName() {
    AllowedHost any = AllowedHost.parse("API.example.com");
    AllowedHost https = AllowedHost.parse("https://api.example.com");
    AllowedHost port = AllowedHost.parse("api.example.com:8443");
    AllowedHost v6 = AllowedHost.parse("http://[::1]:9000");

    assertTrue(any.matches(URI.create("http://api.example.com/x")));
    assertTrue(any.matches(URI.create("https://API.example.com:1234/")));
    assertFalse(any.matches(URI.create("http://evil.example.com/")));
    assertFalse(any.matches(URI.create("http://api.example.com.evil.net/")));
    assertTrue(https.matches(URI.create("https://api.example.com/")));
    assertFalse(https.matches(URI.create("http://api.example.com/")));
    assertTrue(port.matches(URI.create("https://api.example.com:8443/")));
    assertFalse(port.matches(URI.create("https://api.example.com/")));
    assertTrue(v6.matches(URI.create("http://[::1]:9000/")));
  }

  @Test
  void aWasmServiceWithValidEntriesPasses() {
    Service s = wasmService("['api.example.com', 'https://10.0.0.7:8443', 'http://[::1]:9000']");
    ResourceValidator.validate(s);
    assertEquals(3, s.spec().template().allowedHosts().size());
  }

  @Test
  void badEntriesAreNamedByIndexWithTheFormsToUse() {
    Service s =
        wasmService("['ftp://x.com', 'x.com/path', 'x.com:0', 'bad_host', 'ok.com', 'ok.com']");
    var e = assertThrows(ValidationException.class, () -> ResourceValidator.validate(s));
    assertEquals(
        List.of(
            "spec.template.allowedHosts[0]",
            "spec.template.allowedHosts[1]",
            "spec.template.allowedHosts[2]",
            "spec.template.allowedHosts[3]",
            "spec.template.allowedHosts[5]"),
        e.errors().stream().map(f -> f.field()).toList());
    assertTrue(e.errors().get(0).hint().contains("http(s)://host"), e.errors().get(0).hint());
  }

  @Test
  void containersAreRefusedAllowedHosts() {
    Service s =
        (Service)
            Manifests.parse(
                "kind: Service\nmetadata: {name: a}\nspec: {template: {image: busybox,"
                    + " allowedHosts: [x.com]}}");
    var e = assertThrows(ValidationException.class, () -> ResourceValidator.validate(s));
    assertEquals("spec.template.allowedHosts", e.errors().get(0).field());
  }
}
