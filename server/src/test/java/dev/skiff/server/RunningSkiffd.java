package dev.skiff.server;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A {@link Skiffd} started in this JVM on free ports, for acceptance tests. */
final class RunningSkiffd implements AutoCloseable {
  final Skiffd skiffd;
  final Path dataDir;

  private RunningSkiffd(Skiffd skiffd, Path dataDir) {
    this.skiffd = skiffd;
    this.dataDir = dataDir;
  }

  static RunningSkiffd start(Path dataDir) throws Exception {
    return start(dataDir, 30);
  }

  /** With a short scale-to-zero grace, for tests that watch revisions go to zero. */
  static RunningSkiffd start(Path dataDir, int scaleToZeroGraceSeconds) throws Exception {
    return start(dataDir, scaleToZeroGraceSeconds, o -> {});
  }

  /** With options changed by {@code tweak} after the test defaults are set. */
  static RunningSkiffd start(
      Path dataDir, int scaleToZeroGraceSeconds, java.util.function.Consumer<SkiffdOptions> tweak)
      throws Exception {
    SkiffdOptions o = new SkiffdOptions();
    o.dataDir = dataDir;
    o.host = "127.0.0.1";
    o.apiHost = "127.0.0.1";
    o.configDir = dataDir.resolve("cli-config");
    o.apiPort = 0;
    o.gatewayPort = 0;
    o.gatewayTlsPort = 0;
    o.domain = "localhost";
    o.logLevel = "info";
    o.wasmThreads = 0;
    o.drainSeconds = 2;
    o.scaleToZeroGraceSeconds = scaleToZeroGraceSeconds;
    tweak.accept(o);
    Skiffd s = new Skiffd(o);
    s.start().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    return new RunningSkiffd(s, dataDir);
  }

  /** Where this skiffd records its token for the CLI (inside the test's data directory). */
  Path configDir() {
    return dataDir.resolve("cli-config");
  }

  String token() {
    return skiffd.adminToken();
  }

  /** The Authorization header with the admin token. */
  java.util.Map<String, String> auth() {
    return java.util.Map.of("Authorization", "Bearer " + token());
  }

  String api() {
    return skiffd.apiUrl();
  }

  int gatewayPort() {
    return skiffd.gatewayPort();
  }

  @Override
  public void close() {
    skiffd.shutdown(java.time.Duration.ofSeconds(60));
  }
}
