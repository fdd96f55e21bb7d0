package dev.skiff.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testing.SelfSigned;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Domain mappings through the real API and embedded store: validation naming each wrong field, one
 * claim per domain across namespaces, certificates checked on upload and sealed at rest.
 */
class DomainMappingApiTest extends ApiTestCase {
  static final String MAPPINGS = "/v1/namespaces/default/domainmappings";

  private ApiFixture.Response put(String ns, String domain, String spec) throws Exception {
    return api.call(
        "PUT",
        "/v1/namespaces/" + ns + "/domainmappings/" + domain,
        ("{\"apiVersion\":\"skiff.dev/v1\",\"kind\":\"DomainMapping\",\"metadata\":{\"name\":\""
                + domain
                + "\"},\"spec\":"
                + spec
                + "}")
            .getBytes(StandardCharsets.UTF_8),
        "application/json");
  }

  /** A self-signed P-256 certificate and its key, made by the real openssl, as PEM. */
  private String[] certificate(String name) throws Exception {
    SelfSigned made = SelfSigned.make(dir, name, 2, name, "DNS:" + name);
    return new String[] {made.certPem(), made.keyPem()};
  }

  private ApiFixture.Response upload(String domain, String cert, String key) throws Exception {
    return api.call(
        "PUT",
        MAPPINGS + "/" + domain + "/certificate",
        io.vertx.core.json.Json.encode(Map.of("certificate", cert, "key", key))
            .getBytes(StandardCharsets.UTF_8),
        "application/json");
  }

  @Test
  void badMappingIsRefusedNamingEachWrongField() throws Exception {
    var r = put("default", "Shop.Example.com", "{\"tls\":\"sometimes\",\"hstsMaxAgeSeconds\":-1}");

    assertEquals(422, r.status(), r.body());
    assertEquals(
        List.of("metadata.name", "spec.service", "spec.tls", "spec.hstsMaxAgeSeconds"), r.fields());
  }

  @Test
  void aDomainIsClaimedByOneMappingAcrossNamespaces() throws Exception {
    assertEquals(201, put("default", "shop.example.com", "{\"service\":\"shop\"}").status());

    var other = put("team-b", "shop.example.com", "{\"service\":\"store\"}");

    assertEquals(409, other.status(), other.body());
    assertTrue(
        other
            .json()
            .path("error")
            .asText()
            .contains("already mapped to service shop in namespace default"),
        other.body());
    assertTrue(other.json().path("hint").asText().contains("skiff domain delete shop.example.com"));
    assertEquals(200, put("default", "shop.example.com", "{\"service\":\"shop2\"}").status());
  }

  @Test
  void namesUnderTheClusterDomainBelongToServices() throws Exception {
    var r = put("default", "hello.default.localhost", "{\"service\":\"hello\"}");

    assertEquals(409, r.status(), r.body());
    assertTrue(r.json().path("error").asText().contains("under the cluster domain localhost"));
  }

  @Test
  void uploadedCertificateMarksTheMappingReadyAndIsSealedAtRest() throws Exception {
    put("default", "shop.example.com", "{\"service\":\"shop\",\"tls\":\"files\"}");
    String[] pem = certificate("shop.example.com");

    var r = upload("shop.example.com", pem[0], pem[1]);

    assertEquals(200, r.status(), r.body());
    assertEquals("ready", r.json().at("/status/certificate").asText());
    assertTrue(r.json().at("/status/notAfter").isTextual());
    var opened = ApiFixture.await(api.cp.domainCertificate("shop.example.com")).orElseThrow();
    assertEquals("files", opened.source());
    // Neither the key nor the certificate is in any file of the data directory in clear.
    String keyBody = pem[1].lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
    String certBody = pem[0].lines().filter(l -> !l.startsWith("-----")).findFirst().orElseThrow();
    assertEquals(
        List.of(),
        SecretApiTest.filesContaining(dir, keyBody.substring(0, 40)).stream()
            .filter(f -> !f.toString().endsWith(".key") && !f.toString().endsWith(".crt"))
            .toList());
    assertEquals(
        List.of(),
        SecretApiTest.filesContaining(dir, certBody.substring(0, 40)).stream()
            .filter(f -> !f.toString().endsWith(".key") && !f.toString().endsWith(".crt"))
            .toList());
    assertEquals(200, api.call("DELETE", MAPPINGS + "/shop.example.com").status());
    assertTrue(ApiFixture.await(api.cp.domainCertificate("shop.example.com")).isEmpty());
  }

  @Test
  void certificateForAnotherNameOrWithAForeignKeyIsRefused() throws Exception {
    put("default", "shop.example.com", "{\"service\":\"shop\",\"tls\":\"files\"}");
    String[] shop = certificate("shop.example.com");
    String[] blog = certificate("blog.example.com");

    var wrongName = upload("shop.example.com", blog[0], blog[1]);
    var wrongKey = upload("shop.example.com", shop[0], blog[1]);
    var garbage = upload("shop.example.com", "not pem", shop[1]);

    assertEquals(400, wrongName.status(), wrongName.body());
    assertTrue(wrongName.json().path("error").asText().contains("does not name shop.example.com"));
    assertEquals(400, wrongKey.status());
    assertTrue(wrongKey.json().path("error").asText().contains("not the private key"));
    assertEquals(400, garbage.status());
    assertEquals(List.of("certificate"), garbage.fields());
  }

  @Test
  void autoMappingRefusesAnUploadedCertificate() throws Exception {
    put("default", "shop.example.com", "{\"service\":\"shop\",\"tls\":\"auto\"}");
    String[] pem = certificate("shop.example.com");

    var r = upload("shop.example.com", pem[0], pem[1]);

    assertEquals(409, r.status(), r.body());
    assertTrue(r.json().path("hint").asText().contains("--tls files"));
  }

  @Test
  void knativeDomainMappingIsAcceptedAsAnAutoMapping() throws Exception {
    var r =
        api.call(
            "PUT",
            MAPPINGS + "/api.example.com",
            """
            apiVersion: serving.knative.dev/v1beta1
            kind: DomainMapping
            metadata:
              name: api.example.com
            spec:
              ref:
                apiVersion: serving.knative.dev/v1
                kind: Service
                name: hello
            """
                .getBytes(StandardCharsets.UTF_8),
            "application/yaml");

    assertEquals(201, r.status(), r.body());
    assertEquals("hello", r.json().at("/spec/service").asText());
    assertEquals("auto", r.json().at("/spec/tls").asText());
    assertEquals("pending", r.json().at("/status/certificate").asText());
  }

  @Test
  void knativeDomainMappingWithASecretOrAnotherKindIsRefusedByPath() throws Exception {
    var r =
        api.call(
            "PUT",
            MAPPINGS + "/api.example.com",
            """
            apiVersion: serving.knative.dev/v1beta1
            kind: DomainMapping
            metadata:
              name: api.example.com
            spec:
              ref:
                kind: Route
                name: hello
              tls:
                secretName: api-cert
            """
                .getBytes(StandardCharsets.UTF_8),
            "application/yaml");

    assertEquals(400, r.status(), r.body());
    assertEquals(List.of("spec.ref.kind", "spec.tls"), r.fields());
  }
}
