package dev.skiff.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testing.Prerequisites;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTP Basic (htpasswd) and Bearer tokens (token server) against a real docker-registry. */
class RegistryAuthIT {
  private static final Path HTPASSWD = Path.of("/usr/bin/htpasswd");

  @TempDir Path tmp;
  private Vertx vertx;
  private LayoutImage image;

  @BeforeEach
  void setUp() {
    LocalRegistry.assumeInstalled();
    vertx = Vertx.vertx();
    image =
        OciLayoutWriter.builder()
            .addLayer(
                ImageLayer.builder()
                    .file("secret", "s3cr3t".getBytes(StandardCharsets.UTF_8), 0600)
                    .build())
            .build()
            .write(tmp.resolve("layout"), "v1");
  }

  @AfterEach
  void tearDown() {
    if (vertx != null) {
      Await.result(vertx.close());
    }
  }

  @Test
  void basicAuthPushesAndPullsWithCredentialsAndExplainsWithout() throws Exception {
    Prerequisites.requireExecutable(HTPASSWD, "apt-get install apache2-utils (bin/test does)");
    Path htpasswd = tmp.resolve("htpasswd");
    Process p =
        new ProcessBuilder(HTPASSWD.toString(), "-cbB", htpasswd.toString(), "alice", "secret")
            .redirectErrorStream(true)
            .start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "htpasswd failed");
    try (LocalRegistry registry =
        LocalRegistry.startWithHtpasswd(
            Files.createDirectories(tmp.resolve("registry")), htpasswd)) {
      RegistryClient client = RegistryClient.builder(vertx).build();
      String ref = registry.address() + "/private:v1";
      LayoutPusher pusher = new LayoutPusher(vertx, client);

      Throwable anonymousPush =
          Await.failure(pusher.push(image.layout(), "v1", ref, PushOptions.defaults()));
      assertInstanceOf(ImagePushException.class, anonymousPush);
      assertTrue(
          anonymousPush.getMessage().contains("requires a user name and password"),
          anonymousPush.getMessage());

      assertEquals(
          image.manifestDigest(),
          Await.result(
              pusher.push(
                  image.layout(),
                  "v1",
                  ref,
                  PushOptions.defaults().withCredentials("alice", "secret"))));

      ImageStore store =
          ImageStore.builder(vertx)
              .withDataDir(tmp.resolve("node"))
              .withRegistryClient(client)
              .build();
      PreparedImage pulled =
          Await.result(
              store.prepare(ref, PullOptions.defaults().withCredentials("alice", "secret")));
      assertEquals("s3cr3t", Files.readString(pulled.layers().get(0).resolve("secret")));

      ImageStore fresh = ImageStore.builder(vertx).withDataDir(tmp.resolve("node2")).build();
      Throwable anonymous = Await.failure(fresh.prepare(ref, PullOptions.defaults()));
      assertInstanceOf(ImagePullException.class, anonymous);
      assertTrue(
          anonymous.getMessage().contains("requires a user name and password"),
          anonymous.getMessage());
      Throwable wrong =
          Await.failure(
              fresh.prepare(ref, PullOptions.defaults().withCredentials("alice", "wrong")));
      assertTrue(
          wrong.getMessage().contains("rejected pull access to private (HTTP 401)"),
          wrong.getMessage());
      assertTrue(wrong.getMessage().contains("check the user name, password"), wrong.getMessage());
      Await.result(fresh.close());
      Await.result(client.close());
    }
  }

  @Test
  void bearerTokensFromTheChallengeRealmAreFetchedOncePerScope() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("token"));
    try (TokenServer tokens = TokenServer.start(vertx, dir, "alice", "secret");
        LocalRegistry registry =
            LocalRegistry.startWithTokens(
                Files.createDirectories(tmp.resolve("registry")),
                tokens.realm(),
                TokenServer.SERVICE,
                TokenServer.ISSUER,
                tokens.rootCertificate(dir))) {
      String ref = registry.address() + "/team/app:v1";
      RegistryClient pushClient = RegistryClient.builder(vertx).build();
      assertEquals(
          image.manifestDigest(),
          Await.result(
              new LayoutPusher(vertx, pushClient)
                  .push(
                      image.layout(),
                      "v1",
                      ref,
                      PushOptions.defaults().withCredentials("alice", "secret"))));
      // One token for the whole push: HEADs, uploads and the manifest PUT.
      assertEquals(1, tokens.requests("repository:team/app:pull,push"));

      ImageStore store = ImageStore.builder(vertx).withDataDir(tmp.resolve("node")).build();
      PreparedImage pulled =
          Await.result(
              store.prepare(ref, PullOptions.defaults().withCredentials("alice", "secret")));
      assertEquals(image.manifestDigest(), pulled.manifestDigest());
      assertEquals("s3cr3t", Files.readString(pulled.layers().get(0).resolve("secret")));
      // Manifest, config and layer were fetched with one token.
      assertEquals(1, tokens.requests("repository:team/app:pull"));

      ImageStore other = ImageStore.builder(vertx).withDataDir(tmp.resolve("node2")).build();
      Throwable wrong =
          Await.failure(
              other.prepare(ref, PullOptions.defaults().withCredentials("alice", "nope")));
      assertInstanceOf(ImagePullException.class, wrong);
      assertTrue(
          wrong.getMessage().contains("token endpoint " + tokens.realm() + " answered HTTP 401"),
          wrong.getMessage());
      Throwable anonymous = Await.failure(other.prepare(ref, PullOptions.defaults()));
      assertTrue(anonymous.getMessage().contains("it needs credentials"), anonymous.getMessage());

      Await.result(store.close());
      Await.result(other.close());
      Await.result(pushClient.close());
    }
  }
}
