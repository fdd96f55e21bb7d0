package dev.skiff.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.testing.Prerequisites;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding the container example's OCI layout in the build tree and extracting it from a jar. */
class ContainerLayoutTest {
  @TempDir Path tmp;

  private static Path built() {
    Optional<Path> layout = Examples.containerLayout();
    Prerequisites.require(
        layout.isPresent(),
        "gcc with a static libc (the container example was not built)",
        "apt-get install gcc libc6-dev, then rebuild functions-examples");
    return layout.get();
  }

  private static List<String> files(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      return all.filter(Files::isRegularFile)
          .map(p -> dir.relativize(p).toString())
          .sorted()
          .toList();
    }
  }

  @Test
  void buildTreeLayoutIsAnImageLayoutTaggedAsTheReference() throws IOException {
    Path layout = built();

    assertEquals(
        "{\"imageLayoutVersion\":\"1.0.0\"}", Files.readString(layout.resolve("oci-layout")));
    assertTrue(
        Files.readString(layout.resolve("index.json"))
            .contains("\"org.opencontainers.image.ref.name\":\"1\""));
    assertTrue(Examples.CONTAINER_IMAGE.endsWith(":1"));
    assertEquals(5, files(layout).size()); // oci-layout, index.json, manifest, config, layer
  }

  @Test
  void extractsTheLayoutFromAJar() throws IOException {
    Path layout = built();
    Path jar = tmp.resolve("examples.jar");
    Path classes = layout.getParent().getParent().getParent();
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream zip = new JarOutputStream(out);
        Stream<Path> all = Files.walk(classes.resolve("examples/oci"))) {
      for (Path p : all.filter(Files::isRegularFile).toList()) {
        zip.putNextEntry(new JarEntry(classes.relativize(p).toString()));
        Files.copy(p, zip);
        zip.closeEntry();
      }
    }

    Path extracted;
    try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
      extracted = Examples.containerLayout(loader).orElseThrow();
    }

    assertNotEquals(layout, extracted);
    assertEquals(files(layout), files(extracted));
    for (String f : files(layout)) {
      assertArrayEquals(
          Files.readAllBytes(layout.resolve(f)), Files.readAllBytes(extracted.resolve(f)), f);
    }
  }

  @Test
  void noLayoutWhenTheExampleWasNotBuilt() throws IOException {
    try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
      assertEquals(Optional.empty(), Examples.containerLayout(empty));
    }
  }
}
