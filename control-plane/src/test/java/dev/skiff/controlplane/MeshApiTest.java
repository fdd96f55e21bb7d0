package dev.skiff.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.controlplane.mesh.Csrs;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /v1/mesh} over real sockets: who may get certificates, the bundle, status, rotation. */
class MeshApiTest {
  @TempDir Path dir;
  ApiFixture api;

  @BeforeEach
  void start() throws Exception {
    api = new ApiFixture(dir);
  }

  @AfterEach
  void stop() throws Exception {
    api.close();
  }

  private ApiFixture.Response as(String token, String method, String path, String body)
      throws Exception {
    return api.call(
        method,
        path,
        body == null ? null : body.getBytes(StandardCharsets.UTF_8),
        Map.of("Authorization", "Bearer " + token, "Content-Type", "application/json"));
  }

  private String token(String name, String role, String ns) throws Exception {
    ObjectNode body = Json.mapper().createObjectNode().put("name", name).put("role", role);
    if (ns != null) {
      body.put("namespace", ns);
    }
    var r = api.call("POST", "/v1/tokens", body.toString());
    assertEquals(201, r.status(), r.body());
    return r.json().path("token").asText();
  }

  private static String request(String csr, String ns, String svc) {
    return Json.mapper()
        .createObjectNode()
        .put("csr", csr)
        .put("namespace", ns)
        .put("service", svc)
        .toString();
  }

  private static String p256Csr() throws Exception {
    return Csrs.csr(Csrs.ec("secp256r1"));
  }

  @Test
  void systemNodeAndAdminTokensGetCertificatesReadOnlyAndNamespaceTokensDoNot() throws Exception {
    String body = request(p256Csr(), "team-a", "hello");
    String node = token("node-1", "node", null);
    for (String t : new String[] {api.cp.systemToken(), node, ApiFixture.ADMIN_TOKEN}) {
      var r = as(t, "POST", "/v1/mesh/certificates", body);
      assertEquals(201, r.status(), r.body());
      assertEquals("spiffe://skiff.local/ns/team-a/svc/hello", r.json().path("spiffeId").asText());
      assertEquals(2, Csrs.certs(r.json().path("certificateChain").asText()).size());
      assertFalse(r.body().contains("PRIVATE KEY"), "no key in an answer");
    }
    for (String t :
        new String[] {token("ro", "read-only", null), token("ns", "namespace", "team-a")}) {
      var r = as(t, "POST", "/v1/mesh/certificates", body);
      assertEquals(403, r.status(), r.body());
      assertTrue(r.json().path("hint").asText().contains("--node"), r.body());
    }
    var none =
        api.call(
            "POST",
            "/v1/mesh/certificates",
            body.getBytes(StandardCharsets.UTF_8),
            Map.of("Content-Type", "application/json"));
    assertEquals(401, none.status());
  }

  @Test
  void trustBundleIsPemForEveryValidToken() throws Exception {
    String ns = token("ns", "namespace", "team-a");
    var r = as(ns, "GET", "/v1/mesh/ca", null);
    assertEquals(200, r.status(), r.body());
    assertTrue(r.body().startsWith("-----BEGIN CERTIFICATE-----"), r.body());
    assertEquals(1, Csrs.certs(r.body()).size());
    assertEquals(api.cp.meshCa().trustBundle(), r.body());
    assertEquals(401, api.call("GET", "/v1/mesh/ca", null, Map.of()).status());
  }

  @Test
  void csrForAnotherIdentityIsRefusedWith422NamingTheField() throws Exception {
    String csr = Csrs.csr(Csrs.ec("secp256r1"), "spiffe://skiff.local/skiff/gateway");
    var r =
        as(api.cp.systemToken(), "POST", "/v1/mesh/certificates", request(csr, "team-a", "hello"));
    assertEquals(422, r.status(), r.body());
    assertEquals(java.util.List.of("csr"), r.fields());
  }

  @Test
  void rsaKeyIsRefusedWith422() throws Exception {
    var r =
        as(
            api.cp.systemToken(),
            "POST",
            "/v1/mesh/certificates",
            request(Csrs.csr(Csrs.rsa()), "team-a", "hello"));
    assertEquals(422, r.status(), r.body());
    assertTrue(r.json().path("error").asText().contains("P-256"), r.body());
  }

  @Test
  void requestMustNameExactlyOneValidIdentity() throws Exception {
    String csr = p256Csr();
    String sys = api.cp.systemToken();
    String both =
        Json.mapper()
            .createObjectNode()
            .put("csr", csr)
            .put("namespace", "a")
            .put("service", "b")
            .put("component", "gateway")
            .toString();
    assertEquals(422, as(sys, "POST", "/v1/mesh/certificates", both).status());
    String neither = Json.mapper().createObjectNode().put("csr", csr).toString();
    assertEquals(422, as(sys, "POST", "/v1/mesh/certificates", neither).status());
    var badNs = as(sys, "POST", "/v1/mesh/certificates", request(csr, "Team_A", "hello"));
    assertEquals(422, badNs.status());
    assertEquals(java.util.List.of("namespace"), badNs.fields());
    String unknownComponent =
        Json.mapper().createObjectNode().put("csr", csr).put("component", "root").toString();
    assertEquals(422, as(sys, "POST", "/v1/mesh/certificates", unknownComponent).status());
    String gateway =
        Json.mapper().createObjectNode().put("csr", csr).put("component", "gateway").toString();
    var ok = as(sys, "POST", "/v1/mesh/certificates", gateway);
    assertEquals(201, ok.status(), ok.body());
    assertEquals("spiffe://skiff.local/skiff/gateway", ok.json().path("spiffeId").asText());
    String badTtl =
        Json.mapper()
            .createObjectNode()
            .put("csr", csr)
            .put("component", "gateway")
            .put("ttl", "forever")
            .toString();
    var ttl = as(sys, "POST", "/v1/mesh/certificates", badTtl);
    assertEquals(422, ttl.status());
    assertEquals(java.util.List.of("ttl"), ttl.fields());
    assertEquals(400, as(sys, "POST", "/v1/mesh/certificates", "{\"csr\":1,\"x\":2}").status());
  }

  @Test
  void statusIsForReadersAndRotationForAdminsOnly() throws Exception {
    as(
        api.cp.systemToken(),
        "POST",
        "/v1/mesh/certificates",
        request(p256Csr(), "team-a", "hello"));
    String ro = token("ro", "read-only", null);
    var status = as(ro, "GET", "/v1/mesh/status", null);
    assertEquals(200, status.status(), status.body());
    assertEquals("skiff.local", status.json().path("trustDomain").asText());
    assertEquals(1, status.json().path("roots").size());
    assertEquals(
        "spiffe://skiff.local/ns/team-a/svc/hello",
        status.json().path("identities").path(0).path("spiffeId").asText());
    assertEquals(
        403, as(token("ns", "namespace", "team-a"), "GET", "/v1/mesh/status", null).status());
    for (String t : new String[] {ro, token("node-1", "node", null), api.cp.systemToken()}) {
      assertEquals(403, as(t, "POST", "/v1/mesh/rotate-root", "{}").status());
    }
    var rotated = as(ApiFixture.ADMIN_TOKEN, "POST", "/v1/mesh/rotate-root", "{}");
    assertEquals(200, rotated.status(), rotated.body());
    assertEquals(2, rotated.json().path("roots").size());
    assertEquals(2, Csrs.certs(as(ro, "GET", "/v1/mesh/ca", null).body()).size());
    assertEquals(409, as(ApiFixture.ADMIN_TOKEN, "POST", "/v1/mesh/rotate-root", "{}").status());
    var finished = as(ApiFixture.ADMIN_TOKEN, "POST", "/v1/mesh/rotate-root", "{\"finish\":true}");
    assertEquals(200, finished.status(), finished.body());
    assertEquals(1, finished.json().path("roots").size());
  }

  @Test
  void nodeRoleReadsButDoesNotWriteResources() throws Exception {
    String node = token("node-1", "node", null);
    assertEquals(200, as(node, "GET", "/v1/namespaces/default/services", null).status());
    String svc =
        "{\"kind\":\"Service\",\"metadata\":{\"name\":\"hello\"},"
            + "\"spec\":{\"template\":{\"image\":\"registry/hello:1\"}}}";
    assertEquals(403, as(node, "POST", "/v1/namespaces/default/services", svc).status());
  }
}
