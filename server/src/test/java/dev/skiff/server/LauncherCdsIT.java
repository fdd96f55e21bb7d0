package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's class data sharing (bin/_cds.sh, used by bin/skiffd) with the real JVM and the
 * packaged jar: the first start after a build writes a dynamic archive beside the jar as it exits,
 * later starts map it, and an archive that is missing, older than the jar or made for another jar
 * never stops skiffd.
 */
class LauncherCdsIT {
  private static final Path SCRIPT = Path.of("..", "bin", "_cds.sh").toAbsolutePath().normalize();
  private static final Path PACKAGED = Path.of("target", "skiffd.jar").toAbsolutePath();

  /** What -Xlog:class+load prints for a class the JVM took from the dynamic archive. */
  private static final String FROM_ARCHIVE = "source: shared objects file (top)";

  @TempDir Path dir;

  @Test
  void theFirstStartWritesAnArchiveThatTheNextStartMaps() throws Exception {
    Path jar = copyOfTheJar(dir);

    Run first = launch(jar, Map.of(), List.of(), "--version");
    assertEquals(0, first.exit(), first.out());
    assertTrue(first.out().contains("skiffd"), first.out());
    assertTrue(Files.size(archive(jar)) > 0, "the archive is written as the first start exits");
    assertEquals(List.of(), leftovers(dir), "no temporary archive is left behind");

    // -Xshare:on: the JVM stops if it cannot map the archive, instead of running without it.
    Run second = launch(jar, Map.of(), List.of("-Xshare:on", "-Xlog:class+load=info"), "--version");
    assertEquals(0, second.exit(), second.out());
    assertTrue(
        second.out().contains(FROM_ARCHIVE), "classes come from the archive: " + tail(second));
  }

  @Test
  void aJarNewerThanItsArchiveIsTrainedAgainInsteadOfMapped() throws Exception {
    Path jar = copyOfTheJar(dir);
    assertEquals(0, launch(jar, Map.of(), List.of(), "--version").exit());
    // As after a rebuild: the jar is newer than the archive.
    FileTime built = Files.getLastModifiedTime(jar);
    Files.setLastModifiedTime(archive(jar), FileTime.fromMillis(built.toMillis() - 10_000));

    Run run = launch(jar, Map.of(), List.of("-Xlog:class+load=info"), "--version");

    assertEquals(0, run.exit(), run.out());
    assertFalse(run.out().contains(FROM_ARCHIVE), "the stale archive is not mapped");
    assertTrue(
        Files.getLastModifiedTime(archive(jar)).compareTo(Files.getLastModifiedTime(jar)) > 0,
        "the start made a new archive for the new jar");
  }

  @Test
  void anArchiveMadeForAnotherJarOnlyGetsTheJvmsWarning() throws Exception {
    Path jar = copyOfTheJar(dir);
    assertEquals(0, launch(jar, Map.of(), List.of(), "--version").exit());
    Path other = Files.createDirectory(dir.resolve("other"));
    Path otherJar = copyOfTheJar(other);
    // Newer than its jar, so the launcher maps it, but made for the jar in the other directory.
    Files.copy(archive(jar), archive(otherJar));
    Files.setLastModifiedTime(
        archive(otherJar),
        FileTime.fromMillis(Files.getLastModifiedTime(otherJar).toMillis() + 10_000));

    Run run = launch(otherJar, Map.of(), List.of(), "--version");

    assertEquals(0, run.exit(), run.out());
    assertTrue(run.out().contains("skiffd"), run.out());
    assertTrue(run.out().contains("Unable to use shared archive"), "the JVM warns: " + run.out());
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
  void cdsOffNeitherWritesNorMapsAnArchive() throws Exception {
    Path jar = copyOfTheJar(dir);

    Run run = launch(jar, Map.of("SKIFF_CDS", "off"), List.of(), "--version");

    assertEquals(0, run.exit(), run.out());
    assertFalse(Files.exists(archive(jar)));
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

  private record Run(int exit, String out) {}

  private static String tail(Run run) {
    return run.out().substring(Math.max(0, run.out().length() - 2000));
  }

  private static Run launch(Path jar, Map<String, String> env, List<String> jvm, String... args)
      throws Exception {
    List<String> command =
        new ArrayList<>(List.of("bash", "-c", ". \"$0\"; skiff_java_with_cds \"$@\""));
    command.add(SCRIPT.toString());
    command.add(jar.toString());
    command.addAll(jvm);
    command.add("--");
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("SKIFF_CDS");
    builder.environment().putAll(env);
    Process process = builder.start();
    byte[] out = process.getInputStream().readAllBytes();
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the launcher did not end within 120 s");
    return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8));
  }
}
