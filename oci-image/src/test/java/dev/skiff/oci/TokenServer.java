package dev.skiff.oci;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Docker-style token server for tests (the {@code auth: token:} side of docker-registry): checks
 * HTTP Basic credentials and answers RS256 JWTs carrying the requested repository access, signed by
 * a self-signed certificate made with the JDK's keytool and sent in the {@code x5c} header.
 */
final class TokenServer implements AutoCloseable {
  static final String SERVICE = "skiff-test-registry";
  static final String ISSUER = "skiff-test-issuer";

  private final HttpServer server;
  private final PrivateKey key;
  private final X509Certificate cert;
  private final String user;
  private final String password;
  private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

  private TokenServer(
      Vertx vertx, PrivateKey key, X509Certificate cert, String user, String password) {
    this.key = key;
    this.cert = cert;
    this.user = user;
    this.password = password;
    this.server = vertx.createHttpServer();
  }

  /**
   * Starts on a free loopback port; {@code dir} receives the keystore and the PEM for the registry.
   */
  static TokenServer start(Vertx vertx, Path dir, String user, String password) throws Exception {
    Path keystore = dir.resolve("token.p12");
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "token",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-sigalg",
                "SHA256withRSA",
                "-dname",
                "CN=skiff-test-token",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                keystore.toString(),
                "-storepass",
                "changeit",
                "-keypass",
                "changeit")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("keytool failed: " + out);
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    PrivateKey key = (PrivateKey) ks.getKey("token", "changeit".toCharArray());
    X509Certificate cert = (X509Certificate) ks.getCertificate("token");
    Files.writeString(
        dir.resolve("token-root.pem"),
        "-----BEGIN CERTIFICATE-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(cert.getEncoded())
            + "\n-----END CERTIFICATE-----\n");
    TokenServer t = new TokenServer(vertx, key, cert, user, password);
    t.server.requestHandler(
        req -> {
          String scope = req.getParam("scope", "");
          t.requests.computeIfAbsent(scope, s -> new AtomicInteger()).incrementAndGet();
          String auth = req.getHeader("Authorization");
          boolean authenticated = false;
          if (auth != null) {
            String expected =
                "Basic "
                    + Base64.getEncoder()
                        .encodeToString(
                            (t.user + ":" + t.password).getBytes(StandardCharsets.UTF_8));
            if (!auth.equals(expected)) {
              req.response().setStatusCode(401).end("{\"details\":\"invalid credentials\"}");
              return;
            }
            authenticated = true;
          }
          try {
            String jwt = t.token(authenticated ? scope : "", req.getParam("service"));
            req.response()
                .putHeader("Content-Type", "application/json")
                .end(
                    new JsonObject()
                        .put("token", jwt)
                        .put("access_token", jwt)
                        .put("expires_in", 300)
                        .put("issued_at", Instant.now().toString())
                        .encode());
          } catch (Exception e) {
            req.response().setStatusCode(500).end(e.toString());
          }
        });
    t.server
        .listen(0, "127.0.0.1")
        .toCompletionStage()
        .toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
    return t;
  }

  String realm() {
    return "http://127.0.0.1:" + server.actualPort() + "/token";
  }

  Path rootCertificate(Path dir) {
    return dir.resolve("token-root.pem");
  }

  /** How many tokens were asked for {@code scope}. */
  int requests(String scope) {
    AtomicInteger n = requests.get(scope);
    return n == null ? 0 : n.get();
  }

  private String token(String scope, String service) throws Exception {
    JsonArray access = new JsonArray();
    if (!scope.isEmpty()) {
      String[] parts = scope.split(":");
      access.add(
          new JsonObject()
              .put("type", parts[0])
              .put("name", parts[1])
              .put("actions", new JsonArray(List.<Object>of((Object[]) parts[2].split(",")))));
    }
    long now = Instant.now().getEpochSecond();
    JsonObject header =
        new JsonObject()
            .put("typ", "JWT")
            .put("alg", "RS256")
            .put("x5c", new JsonArray().add(Base64.getEncoder().encodeToString(cert.getEncoded())));
    JsonObject claims =
        new JsonObject()
            .put("iss", ISSUER)
            .put("sub", user)
            .put("aud", service)
            .put("exp", now + 300)
            .put("nbf", now - 10)
            .put("iat", now)
            .put("jti", UUID.randomUUID().toString())
            .put("access", access);
    Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
    String signingInput =
        url.encodeToString(header.encode().getBytes(StandardCharsets.UTF_8))
            + "."
            + url.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    Signature rs256 = Signature.getInstance("SHA256withRSA");
    rs256.initSign(key);
    rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
    return signingInput + "." + url.encodeToString(rs256.sign());
  }

  @Override
  public void close() {
    Await.result(server.close());
  }
}
