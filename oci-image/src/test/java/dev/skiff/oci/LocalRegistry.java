package dev.skiff.oci;

import dev.skiff.oci.internal.Digests;
import dev.skiff.testing.Prerequisites;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real registry for tests: Debian's {@code docker-registry} (CNCF distribution) on a free
 * loopback port with its storage in a temp directory. Tests using it skip only when the binary is
 * missing ({@code bin/test} installs it).
 */
public final class LocalRegistry implements AutoCloseable {
  public static final Path BINARY = Path.of("/usr/bin/docker-registry");

  private final Process process;
  private final int port;
  private final Path storage;
  private final Path log;

  private LocalRegistry(Process process, int port, Path storage, Path log) {
    this.process = process;
    this.port = port;
    this.storage = storage;
    this.log = log;
  }

  /**
   * Skips the calling test (fails it in CI), saying what to install, when the registry binary is
   * missing.
   */
  public static void assumeInstalled() {
    Prerequisites.requireExecutable(BINARY, "apt-get install docker-registry (bin/test does)");
  }

  /** An open registry. */
  public static LocalRegistry start(Path dir) throws IOException {
    return start(dir, "");
  }

  /** A registry requiring HTTP Basic auth against an htpasswd file (bcrypt entries). */
  public static LocalRegistry startWithHtpasswd(Path dir, Path htpasswd) throws IOException {
    return start(dir, "auth:\n  htpasswd:\n    realm: skiff-test\n    path: " + htpasswd + "\n");
  }

  /**
   * A registry trusting bearer tokens from {@code realm} signed by the key of {@code rootCertPem}.
   */
  public static LocalRegistry startWithTokens(
      Path dir, String realm, String service, String issuer, Path rootCertPem) throws IOException {
    return start(
        dir,
        "auth:\n  token:\n    realm: "
            + realm
            + "\n    service: "
            + service
            + "\n    issuer: "
            + issuer
            + "\n    rootcertbundle: "
            + rootCertPem
            + "\n");
  }

  private static LocalRegistry start(Path dir, String auth) throws IOException {
    assumeInstalled();
    Path storage = Files.createDirectories(dir.resolve("storage"));
    int port = freePort();
    Path config = dir.resolve("config.yml");
    Files.writeString(
        config,
        """
        version: 0.1
        log:
          level: warn
          accesslog:
            disabled: true
        storage:
          filesystem:
            rootdirectory: %s
          delete:
            enabled: true
        http:
          addr: 127.0.0.1:%d
          secret: skiff-test-secret
        %s"""
            .formatted(storage, port, auth));
    Path log = dir.resolve("registry.log");
    Process p =
        new ProcessBuilder(BINARY.toString(), "serve", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    LocalRegistry r = new LocalRegistry(p, port, storage, log);
    r.awaitReady();
    return r;
  }

  private void awaitReady() throws IOException {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("docker-registry exited: " + Files.readString(log));
      }
      try {
        HttpResponse<Void> r =
            http.send(
                HttpRequest.newBuilder(URI.create("http://" + address() + "/v2/"))
                    .timeout(Duration.ofSeconds(1))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200 || r.statusCode() == 401) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      try {
        Thread.sleep(20); // polling with a deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
    }
    close();
    throw new IOException("docker-registry did not answer within 15 s: " + Files.readString(log));
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** {@code 127.0.0.1:port}, the registry part of references. */
  public String address() {
    return "127.0.0.1:" + port;
  }

  /** Where the registry keeps a blob's bytes on disk (to tamper with them). */
  public Path blobData(String digest) {
    String hex = Digests.hex(digest);
    return storage
        .resolve("docker/registry/v2/blobs/sha256")
        .resolve(hex.substring(0, 2))
        .resolve(hex)
        .resolve("data");
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
