package dev.skiff.server;

import dev.skiff.testing.SelfSigned;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Debian's pebble (a test ACME server) on loopback, with a config and a TLS key this class writes:
 * challenges always valid ({@code PEBBLE_VA_ALWAYS_VALID=1} stands in for public DNS), no random
 * sleeps or nonce rejections, certificates valid for {@code validity}.
 */
final class Pebble implements AutoCloseable {
  final Path tlsCert;
  final Path root;
  final int port;
  private final Process process;

  private Pebble(Path tlsCert, Path root, int port, Process process) {
    this.tlsCert = tlsCert;
    this.root = root;
    this.port = port;
    this.process = process;
  }

  /** The ACME directory URL. */
  String directory() {
    return "https://127.0.0.1:" + port + "/dir";
  }

  static Pebble start(Path dir, Duration validity) throws Exception {
    Files.createDirectories(dir);
    SelfSigned tls =
        SelfSigned.make(dir, "pebble-tls", 2, "pebble", "IP:127.0.0.1", "DNS:localhost");
    Path cert = tls.certFile();
    Path key = tls.keyFile();
    int port = freePort();
    int management = freePort();
    Path config = dir.resolve("pebble.json");
    Files.writeString(
        config,
        """
        {"pebble": {
          "listenAddress": "127.0.0.1:%d",
          "managementListenAddress": "127.0.0.1:%d",
          "certificate": "%s",
          "privateKey": "%s",
          "httpPort": %d,
          "tlsPort": %d,
          "ocspResponderURL": "",
          "externalAccountBindingRequired": false,
          "certificateValidityPeriod": %d
        }}
        """
            .formatted(port, management, cert, key, freePort(), freePort(), validity.toSeconds()));
    ProcessBuilder pb =
        new ProcessBuilder("pebble", "-config", config.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("pebble.log").toFile());
    pb.environment()
        .putAll(
            Map.of(
                "PEBBLE_VA_ALWAYS_VALID", "1",
                "PEBBLE_VA_NOSLEEP", "1",
                "PEBBLE_WFE_NONCEREJECT", "0"));
    Process p = pb.start();
    awaitListening(p, port);
    awaitListening(p, management);
    // The root pebble issues under is made at start; its management API hands it out.
    Path root = dir.resolve("pebble-root.pem");
    var got =
        Processes.run(
            List.of(
                "curl",
                "-sSf",
                "--cacert",
                cert.toString(),
                "-o",
                root.toString(),
                "https://127.0.0.1:" + management + "/roots/0"),
            null);
    if (got.exit() != 0) {
      p.destroy();
      throw new IllegalStateException("cannot fetch pebble's root: " + got.output());
    }
    return new Pebble(cert, root, port, p);
  }

  private static void awaitListening(Process p, int port) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException("pebble exited with " + p.exitValue());
      }
      try {
        new Socket("127.0.0.1", port).close();
        return;
      } catch (IOException e) {
        Thread.onSpinWait();
        Thread.sleep(20); // polling for the port to open, with a deadline
      }
    }
    throw new IllegalStateException("pebble did not listen on " + port + " within 20 s");
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
  }
}
