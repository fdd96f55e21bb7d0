package dev.skiff.controlplane;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Wasm blobs: upload, fetch, and services that name them. */
class BlobApiTest {
  static final byte[] MODULE = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  static final String SERVICES = "/v1/namespaces/default/services";

  @TempDir Path dir;
  ApiFixture api;

  @BeforeEach
  void start() throws Exception {
    // A validator like the wasm runtime's: it has reasons of its own.
    api =
        new ApiFixture(
            dir,
            ControlPlane.builder()
                .withModuleValidator(
                    bytes -> {
                      if (bytes.length < 8 || bytes[0] != 0) {
                        throw new IllegalArgumentException("magic header not detected");
                      }
                    }));
  }

  @AfterEach
  void stop() throws Exception {
    api.close();
  }

  static String wasmService(String name, String wasm) {
    return "{\"kind\":\"Service\",\"metadata\":{\"name\":\""
        + name
        + "\"},\"spec\":{\"template\":{\"wasm\":"
        + wasm
        + "}}}";
  }

  @Test
  void uploadedModuleIsStoredByDigestAndUsableByAService() throws Exception {
    var up = api.call("POST", "/v1/blobs", MODULE, "application/wasm");
    assertEquals(201, up.status(), up.body());
    String digest = up.json().path("digest").asText();
    assertTrue(digest.matches("sha256:[0-9a-f]{64}"), digest);
    assertEquals(MODULE.length, up.json().path("size").asInt());
    assertTrue(Files.exists(dir.resolve("blobs/sha256/" + digest.substring(7))));

    HttpResponse<byte[]> got =
        api.http.send(
            HttpRequest.newBuilder(api.uri("/v1/blobs/" + digest))
                .header("Authorization", "Bearer " + ApiFixture.ADMIN_TOKEN)
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, got.statusCode());
    assertArrayEquals(MODULE, got.body());
    assertEquals(404, api.call("GET", "/v1/blobs/sha256:" + "0".repeat(64)).status());

    var svc = api.call("POST", SERVICES, wasmService("fn", "{\"digest\":\"" + digest + "\"}"));
    assertEquals(201, svc.status(), svc.body());
    var rev = api.call("GET", "/v1/namespaces/default/revisions/fn-00001").json();
    assertEquals(digest, rev.at("/spec/template/wasm/digest").asText());
    assertEquals(
        digest.length(),
        ApiFixture.await(api.cp.blob(digest)).getFileName().toString().length() + 7);
  }

  @Test
  void invalidModuleIsRejectedWithTheValidatorsReason() throws Exception {
    var r =
        api.call("POST", "/v1/blobs", new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, "application/wasm");
    assertEquals(422, r.status(), r.body());
    assertTrue(r.body().contains("magic header not detected"), r.body());
  }

  @Test
  void fileUrlIsReadValidatedAndPinnedToADigest() throws Exception {
    Path module = dir.resolve("hello.wasm");
    Files.write(module, MODULE);
    var svc = api.call("POST", SERVICES, wasmService("fn", "{\"url\":\"" + module.toUri() + "\"}"));
    assertEquals(201, svc.status(), svc.body());
    var rev = api.call("GET", "/v1/namespaces/default/revisions/fn-00001").json();
    assertTrue(rev.at("/spec/template/wasm/digest").asText().startsWith("sha256:"), rev.toString());
    assertTrue(rev.at("/spec/template/wasm/url").isMissingNode());

    var missing =
        api.call("POST", SERVICES, wasmService("gone", "{\"url\":\"file:///no/such/file.wasm\"}"));
    assertEquals(422, missing.status(), missing.body());
    assertEquals("spec.template.wasm.url", missing.fields().get(0));

    Path bad = dir.resolve("bad.wasm");
    Files.write(bad, new byte[] {7, 7, 7, 7, 7, 7, 7, 7});
    var invalid =
        api.call("POST", SERVICES, wasmService("bad", "{\"url\":\"" + bad.toUri() + "\"}"));
    assertEquals(422, invalid.status(), invalid.body());
    assertEquals("spec.template.wasm.url", invalid.fields().get(0));
  }

  @Test
  void moduleOverSixtyFourMebibytesIsRefused() throws Exception {
    var r = api.call("POST", "/v1/blobs", new byte[(64 << 20) + 1], "application/wasm");
    assertEquals(413, r.status(), r.body());
  }
}
