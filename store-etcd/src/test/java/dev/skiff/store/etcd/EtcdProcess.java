package dev.skiff.store.etcd;

import dev.skiff.testing.Prerequisites;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real etcd (Debian's {@code etcd-server}) for tests: one member on loopback ports of its own
 * with a temporary data directory. {@link #kill()} and {@link #start()} again keep the data
 * directory, as a crashed and restarted etcd would; {@link #close()} deletes it.
 */
public final class EtcdProcess implements AutoCloseable {
  public static final Path BINARY = Path.of("/usr/bin/etcd");

  private final Path dataDir;
  private final int clientPort;
  private final int peerPort;
  private final Path log;
  private Process process;

  private EtcdProcess(Path dataDir, int clientPort, int peerPort) {
    this.dataDir = dataDir;
    this.clientPort = clientPort;
    this.peerPort = peerPort;
    this.log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
  }

  /** Skips (or in CI fails) the calling test unless etcd is installed. */
  public static void require() {
    Prerequisites.requireExecutable(BINARY, "apt-get install etcd-server");
  }

  /** A started etcd with a new data directory; the test's skip when etcd is missing. */
  public static EtcdProcess startNew() {
    require();
    try {
      Path dir = Files.createTempDirectory("skiff-etcd-");
      EtcdProcess p = new EtcdProcess(dir.resolve("data"), freePort(), freePort());
      p.start();
      return p;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** The port etcd takes clients on (loopback). */
  public int clientPort() {
    return clientPort;
  }

  /** {@code etcd://127.0.0.1:PORT}, for the store and skiffd's {@code --store}. */
  public String url() {
    return "etcd://127.0.0.1:" + clientPort;
  }

  /** Starts etcd (again) on the same ports and data directory; returns once it takes clients. */
  public void start() {
    String client = "http://127.0.0.1:" + clientPort;
    String peer = "http://127.0.0.1:" + peerPort;
    try {
      process =
          new ProcessBuilder(
                  List.of(
                      BINARY.toString(),
                      "--name",
                      "test",
                      "--data-dir",
                      dataDir.toString(),
                      "--listen-client-urls",
                      client,
                      "--advertise-client-urls",
                      client,
                      "--listen-peer-urls",
                      peer,
                      "--initial-advertise-peer-urls",
                      peer,
                      "--initial-cluster",
                      "test=" + peer,
                      "--log-outputs",
                      "stderr"))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + BINARY, e);
    }
    awaitListening(Duration.ofSeconds(60));
  }

  private void awaitListening(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("etcd exited with " + process.exitValue() + "; see " + log);
      }
      if (healthy()) {
        return;
      }
      pause();
    }
    throw new IllegalStateException(
        "etcd did not become healthy on " + clientPort + " in " + timeout + "; see " + log);
  }

  /** etcd's own health answer: it listens, has a leader and serves reads. */
  private boolean healthy() {
    try {
      var conn =
          (java.net.HttpURLConnection)
              java.net
                  .URI
                  .create("http://127.0.0.1:" + clientPort + "/health")
                  .toURL()
                  .openConnection();
      conn.setConnectTimeout(200);
      conn.setReadTimeout(2000);
      try (var in = conn.getInputStream()) {
        return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
            .contains("\"health\":\"true\"");
      } finally {
        conn.disconnect();
      }
    } catch (IOException e) {
      return false;
    }
  }

  private static void pause() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** SIGKILL, as a crash; the data directory stays. */
  public void kill() {
    if (process != null) {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      process = null;
    }
  }

  @Override
  public void close() {
    kill();
    Path root = dataDir.getParent();
    try (Stream<Path> files = Files.walk(root)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a leftover temp directory is harmless
    }
  }
}
