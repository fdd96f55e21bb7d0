package dev.skiff.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Who may call the API (tokens and roles) and which requests a browser could send are refused,
 * against a real control plane over real sockets.
 */
class ApiAccessTest extends ApiTestCase {
  static final String SERVICES = "/v1/namespaces/default/services";
  static final String SVC =
      "{\"kind\":\"Service\",\"metadata\":{\"name\":\"hello\"},"
          + "\"spec\":{\"template\":{\"image\":\"registry/hello:1\"}}}";

  private ApiFixture.Response as(String token, String method, String path, String body)
      throws Exception {
    return api.call(
        method,
        path,
        body == null ? null : body.getBytes(StandardCharsets.UTF_8),
        Map.of("Authorization", "Bearer " + token, "Content-Type", "application/json"));
  }

  private String create(String body) throws Exception {
    var r = api.call("POST", "/v1/tokens", body);
    assertEquals(201, r.status(), r.body());
    return r.json().path("token").asText();
  }

  @Test
  void callWithoutTokenIs401WithBearerChallengeAndHint() throws Exception {
    var r = api.call("GET", SERVICES, null, Map.of());
    assertEquals(401, r.status(), r.body());
    assertTrue(r.json().path("hint").asText().contains("admin.token"), r.body());
    var write = api.call("POST", SERVICES, SVC.getBytes(StandardCharsets.UTF_8), Map.of());
    assertEquals(401, write.status());
    var wrong = as("skiff_not-a-token", "GET", SERVICES, null);
    assertEquals(401, wrong.status());
    assertEquals("the token is not valid", wrong.json().path("error").asText());
  }

  @Test
  void unauthorizedAnswerCarriesWwwAuthenticate() throws Exception {
    var resp =
        api.http.send(
            java.net.http.HttpRequest.newBuilder(api.uri(SERVICES)).build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(401, resp.statusCode());
    assertTrue(
        resp.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"),
        resp.headers().toString());
  }

  @Test
  void healthzAndMetricsAreOpenButNothingElse() throws Exception {
    api.cp.router().get("/healthz").handler(ctx -> ctx.end("ok"));
    api.cp.router().get("/metrics").handler(ctx -> ctx.end("# metrics"));
    assertEquals(200, api.call("GET", "/healthz", null, Map.of()).status());
    assertEquals(200, api.call("GET", "/metrics", null, Map.of()).status());
    assertEquals(401, api.call("GET", "/v1/nodes", null, Map.of()).status());
  }

  @Test
  void metricsNeedATokenWhenConfigured() throws Exception {
    api.close();
    api = new ApiFixture(dir, ControlPlane.builder().withMetricsAuth(true));
    api.cp.router().get("/metrics").handler(ctx -> ctx.end("# metrics"));
    assertEquals(401, api.call("GET", "/metrics", null, Map.of()).status());
    assertEquals(200, api.call("GET", "/metrics").status());
  }

  @Test
  void readOnlyTokenReadsButCannotWrite() throws Exception {
    String ro = create("{\"name\":\"viewer\",\"role\":\"read-only\"}");
    assertEquals(200, as(ro, "GET", SERVICES, null).status());
    var w = as(ro, "POST", SERVICES, SVC);
    assertEquals(403, w.status(), w.body());
    assertTrue(w.json().path("error").asText().contains("may only read"), w.body());
    assertEquals(403, as(ro, "POST", "/v1/tokens", "{\"name\":\"x\"}").status());
  }

  @Test
  void namespaceTokenIsConfinedToItsNamespace() throws Exception {
    String ci = create("{\"name\":\"ci\",\"role\":\"namespace\",\"namespace\":\"team-a\"}");
    var own = as(ci, "POST", "/v1/namespaces/team-a/services", SVC);
    assertEquals(201, own.status(), own.body());
    var other = as(ci, "POST", SERVICES, SVC);
    assertEquals(403, other.status(), other.body());
    assertTrue(other.json().path("error").asText().contains("team-a"), other.body());
    assertEquals(403, as(ci, "GET", SERVICES, null).status());
    assertEquals(403, as(ci, "GET", "/v1/services", null).status());
    assertEquals(403, as(ci, "GET", "/v1/namespaces/team-a/../default/services", null).status());
    assertEquals(200, as(ci, "GET", "/v1/namespaces/team-a/services", null).status());
  }

  @Test
  void scopedTokensAreListedWithoutSecretsAndCanBeDeleted() throws Exception {
    String ro = create("{\"name\":\"viewer\",\"role\":\"read-only\"}");
    var list = api.call("GET", "/v1/tokens");
    assertEquals("viewer", list.json().at("/items/0/name").asText());
    assertTrue(!list.body().contains(ro) && !list.body().contains("sha256"), list.body());
    assertEquals(409, api.call("POST", "/v1/tokens", "{\"name\":\"viewer\"}").status());
    assertEquals(200, api.call("DELETE", "/v1/tokens/viewer").status());
    assertEquals(401, as(ro, "GET", SERVICES, null).status());
  }

  @Test
  void adminCannotWriteRevisionStatusButTheSystemCredentialCan() throws Exception {
    assertEquals(201, api.call("POST", SERVICES, SVC).status());
    String status = "/v1/namespaces/default/revisions/hello-00001/status";
    String body =
        "{\"conditions\":[{\"type\":\"Ready\",\"status\":\"False\",\"reason\":\"Evil\"}]}";
    var admin = as(ApiFixture.ADMIN_TOKEN, "PUT", status, body);
    assertEquals(403, admin.status(), admin.body());
    assertTrue(admin.json().path("error").asText().contains("Skiff's own components"));
    var system = as(api.cp.systemToken(), "PUT", status, body);
    assertEquals(200, system.status(), system.body());
    assertEquals(403, as(api.cp.systemToken(), "POST", SERVICES, SVC).status());
  }

  @Test
  void writeWithTextPlainIs415NamingTheAcceptedTypes() throws Exception {
    long before = api.storeRevision();
    var r =
        api.call(
            "POST",
            SERVICES,
            SVC.getBytes(StandardCharsets.UTF_8),
            Map.of(
                "Authorization", "Bearer " + ApiFixture.ADMIN_TOKEN, "Content-Type", "text/plain"));
    assertEquals(415, r.status(), r.body());
    assertTrue(r.json().path("error").asText().contains("application/json"), r.body());
    var blob =
        api.call(
            "POST",
            "/v1/blobs",
            new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0},
            Map.of(
                "Authorization", "Bearer " + ApiFixture.ADMIN_TOKEN, "Content-Type", "text/plain"));
    assertEquals(415, blob.status(), blob.body());
    assertTrue(blob.json().path("error").asText().contains("application/wasm"), blob.body());
    assertEquals(before, api.storeRevision());
  }

  @Test
  void foreignOriginAndCrossSiteFetchAre403() throws Exception {
    String auth = "Bearer " + ApiFixture.ADMIN_TOKEN;
    byte[] body = SVC.getBytes(StandardCharsets.UTF_8);
    var foreign =
        api.call(
            "POST",
            SERVICES,
            body,
            Map.of(
                "Authorization",
                auth,
                "Content-Type",
                "application/json",
                "Origin",
                "http://evil.example"));
    assertEquals(403, foreign.status(), foreign.body());
    var crossSite =
        api.call(
            "GET", SERVICES, null, Map.of("Authorization", auth, "Sec-Fetch-Site", "cross-site"));
    assertEquals(403, crossSite.status(), crossSite.body());
    String own = "http://127.0.0.1:" + api.cp.actualPort();
    var same =
        api.call(
            "POST",
            SERVICES,
            body,
            Map.of("Authorization", auth, "Content-Type", "application/json", "Origin", own));
    assertEquals(201, same.status(), same.body());
  }

  @Test
  void foreignHostIs421NamingTheFlag() throws Exception {
    String answer =
        raw(
            "GET "
                + SERVICES
                + " HTTP/1.1\r\nHost: rebind.evil.example:"
                + api.cp.actualPort()
                + "\r\nAuthorization: Bearer "
                + ApiFixture.ADMIN_TOKEN
                + "\r\nConnection: close\r\n\r\n");
    assertTrue(answer.startsWith("HTTP/1.1 421"), answer);
    assertTrue(answer.contains("--api-hostname"), answer);
    String local =
        raw(
            "GET "
                + SERVICES
                + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                + ApiFixture.ADMIN_TOKEN
                + "\r\nConnection: close\r\n\r\n");
    assertTrue(local.startsWith("HTTP/1.1 200"), local);
  }

  @Test
  void ipLiteralHostsAreAcceptedAndAMissingHostIsNot() throws Exception {
    for (String host : java.util.List.of("[::1]:7070", "10.0.0.7", "LOCALHOST.")) {
      String answer =
          raw(
              "GET "
                  + SERVICES
                  + " HTTP/1.1\r\nHost: "
                  + host
                  + "\r\nAuthorization: Bearer "
                  + ApiFixture.ADMIN_TOKEN
                  + "\r\nConnection: close\r\n\r\n");
      assertTrue(answer.startsWith("HTTP/1.1 200"), host + ": " + answer);
    }
    String none =
        raw(
            "GET "
                + SERVICES
                + " HTTP/1.0\r\nAuthorization: Bearer "
                + ApiFixture.ADMIN_TOKEN
                + "\r\n\r\n");
    assertTrue(none.startsWith("HTTP/1.0 421"), none);
  }

  @Test
  void configuredHostnameIsAccepted() throws Exception {
    api.close();
    api = new ApiFixture(dir, ControlPlane.builder().withHostnames(java.util.List.of("skiff.lan")));
    String answer =
        raw(
            "GET "
                + SERVICES
                + " HTTP/1.1\r\nHost: skiff.lan:7070\r\nAuthorization: Bearer "
                + ApiFixture.ADMIN_TOKEN
                + "\r\nConnection: close\r\n\r\n");
    assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
  }

  private String raw(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", api.cp.actualPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
