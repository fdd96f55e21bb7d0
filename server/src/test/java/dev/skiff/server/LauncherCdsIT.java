package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's class data sharing (bin/_cds.sh, used by bin/skiffd) with the real JVM and the
 * packaged jar: the first serving start after a build writes a dynamic archive beside the jar as it
 * exits (on SIGTERM), later starts map it, and an archive that is missing, older than the jar or
 * made for another jar never stops skiffd.
 */
class LauncherCdsIT {
  private static final Path SCRIPT = Path.of("..", "bin", "_cds.sh").toAbsolutePath().normalize();
  private static final Path PACKAGED = Path.of("target", "skiffd.jar").toAbsolutePath();

  /** What -Xlog:class+load prints for a class the JVM took from the dynamic archive. */
  private static final String FROM_ARCHIVE = "source: shared objects file (top)";

  private static final List<String> CLASS_LOADS = List.of("-Xlog:class+load=info");

  @TempDir Path dir;

  @Test
  void theFirstServingStartWritesAnArchiveThatLaterStartsMapOnlyWhileItFitsTheJar()
      throws Exception {
    Path jar = copyOfTheJar(dir);

    int exit = serveThenStop(jar);

    assertEquals(143, exit, "skiffd ended by SIGTERM, passed on by the launcher");
    assertTrue(Files.size(archive(jar)) > 0, "the archive is written as the first start exits");
    assertEquals(List.of(), leftovers(dir), "no temporary archive is left behind");

    // -Xshare:on: the JVM stops if it cannot map the archive, instead of running without it.
    Run mapped = launch(jar, Map.of(), List.of("-Xshare:on", "-Xlog:class+load=info"));
    assertEquals(0, mapped.exit(), mapped.out());
    assertTrue(mapped.out().contains(FROM_ARCHIVE), "classes come from the archive: " + mapped);

    Run off = launch(jar, Map.of("SKIFF_CDS", "off"), CLASS_LOADS);
    assertEquals(0, off.exit(), off.out());
    assertFalse(off.out().contains(FROM_ARCHIVE), "SKIFF_CDS=off maps nothing");

    // As after a rebuild: the jar is newer than the archive, which is then not used.
    FileTime built = Files.getLastModifiedTime(jar);
    Files.setLastModifiedTime(archive(jar), FileTime.fromMillis(built.toMillis() - 10_000));
    Run stale = launch(jar, Map.of(), CLASS_LOADS);
    assertEquals(0, stale.exit(), stale.out());
    assertFalse(stale.out().contains(FROM_ARCHIVE), "an archive older than the jar is not mapped");

    // Newer than its jar, so the launcher maps it, but made for the jar in another directory.
    Path otherJar = copyOfTheJar(Files.createDirectory(dir.resolve("other")));
    Files.copy(archive(jar), archive(otherJar));
    Files.setLastModifiedTime(
        archive(otherJar),
        FileTime.fromMillis(Files.getLastModifiedTime(otherJar).toMillis() + 10_000));
    Run other = launch(otherJar, Map.of(), List.of());
    assertEquals(0, other.exit(), other.out());
    assertTrue(other.out().contains("skiffd"), other.out());
    assertTrue(other.out().contains("Unable to use shared archive"), "the JVM warns: " + other);
  }

  @Test
  void killingTheLauncherOfTheTrainingStartEndsItsJvmToo() throws Exception {
    Path jar = copyOfTheJar(dir);
    Path log = dir.resolve("skiffd-killed.log");
    Process launcher = serving(jar).redirectOutput(log.toFile()).start();
    List<ProcessHandle> jvms = List.of();
    try {
      awaitReady(launcher, log);
      jvms = launcher.descendants().toList();
      assertFalse(jvms.isEmpty(), "the training start runs the JVM as the launcher's child");

      launcher.destroyForcibly(); // SIGKILL: the launcher cannot pass anything on

      for (ProcessHandle jvm : jvms) {
        jvm.onExit().get(60, TimeUnit.SECONDS); // fails with a TimeoutException if orphaned
      }
      assertFalse(Files.exists(archive(jar)), "no archive from a start that was killed");
    } finally {
      launcher.destroyForcibly();
      jvms.forEach(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void aStartThatFailsLeavesNoArchive() throws Exception {
    Path jar = copyOfTheJar(dir);

    Run run = launch(jar, Map.of(), List.of(), "--no-such-flag");

    assertTrue(run.exit() != 0, run.out());
    assertFalse(Files.exists(archive(jar)), "no archive from a run that did not end cleanly");
    assertEquals(List.of(), leftovers(dir));
  }

  @Test
  void printingTheVersionMakesNoArchive() throws Exception {
    Path jar = copyOfTheJar(dir);

    Run run = launch(jar, Map.of(), List.of());

    assertEquals(0, run.exit(), run.out());
    assertFalse(Files.exists(archive(jar)), "an archive of --version would serve later starts");
  }

  private static Path copyOfTheJar(Path into) throws IOException {
    return Files.copy(PACKAGED, into.resolve("skiffd.jar"));
  }

  private static Path archive(Path jar) {
    return jar.resolveSibling("skiffd.jsa");
  }

  private static List<Path> leftovers(Path in) throws IOException {
    try (Stream<Path> files = Files.list(in)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList();
    }
  }

  private record Run(int exit, String out) {
    @Override
    public String toString() {
      return out.substring(Math.max(0, out.length() - 2000));
    }
  }

  private static ProcessBuilder launcher(
      Path jar, Map<String, String> env, List<String> jvm, List<String> args) {
    List<String> command =
        new ArrayList<>(List.of("bash", "-c", ". \"$0\"; skiff_java_with_cds \"$@\""));
    command.add(SCRIPT.toString());
    command.add(jar.toString());
    command.addAll(jvm);
    command.add("--");
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("SKIFF_CDS");
    builder.environment().putAll(env);
    return builder;
  }

  /** skiffd --version (or {@code args}) through the launcher, to its end. */
  private static Run launch(Path jar, Map<String, String> env, List<String> jvm, String... args)
      throws Exception {
    List<String> arguments = args.length == 0 ? List.of("--version") : List.of(args);
    Process process = launcher(jar, env, jvm, arguments).start();
    byte[] out = process.getInputStream().readAllBytes();
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the launcher did not end within 120 s");
    return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8));
  }

  /**
   * A serving skiffd (loopback, free ports, its own data directory) through the launcher until it
   * says it is ready, then SIGTERM to the launcher; returns the launcher's exit code.
   */
  private int serveThenStop(Path jar) throws Exception {
    Path log = dir.resolve("skiffd-" + System.nanoTime() + ".log");
    Process process = serving(jar).redirectOutput(log.toFile()).start();
    try {
      awaitReady(process, log);
      process.destroy(); // SIGTERM to the launcher, which passes it on to the JVM
      assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the launcher did not end within 120 s");
      return process.exitValue();
    } finally {
      process.destroyForcibly();
    }
  }

  /** The launcher of a serving skiffd on loopback, free ports and its own data directory. */
  private ProcessBuilder serving(Path jar) {
    return launcher(
        jar,
        Map.of("SKIFF_CONFIG_DIR", dir.resolve("config").toString()),
        List.of(),
        List.of(
            "--data-dir", dir.resolve("data-" + System.nanoTime()).toString(),
            "--api-port", "0",
            "--gateway-port", "0",
            "--gateway-tls-port", "-1"));
  }

  private static void awaitReady(Process process, Path log) throws Exception {
    Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
    while (!Files.readString(log).contains("skiffd ready")) {
      assertTrue(process.isAlive(), "skiffd ended before it was ready: " + Files.readString(log));
      assertTrue(Instant.now().isBefore(deadline), "skiffd not ready within 120 s");
      Thread.sleep(100); // polling the log for the condition, with the deadline above
    }
  }
}
