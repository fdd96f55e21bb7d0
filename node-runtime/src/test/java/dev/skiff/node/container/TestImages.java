package dev.skiff.node.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Test images made on the spot from Debian's static busybox: a base layer with {@code
 * /bin/busybox}, its applets and an {@code /etc/passwd}, and a top layer with a web root whose CGI
 * script prints the environment.
 */
final class TestImages {
  static final Path BUSYBOX = Path.of("/bin/busybox");
  private static final List<String> APPLETS =
      List.of(
          "sh",
          "httpd",
          "cat",
          "ps",
          "ls",
          "id",
          "nc",
          "wget",
          "sleep",
          "echo",
          "touch",
          "unshare",
          "ip",
          "awk",
          "cut",
          "mkdir",
          "env",
          "hostname",
          "head",
          "tail",
          "grep",
          "sed",
          "true",
          "false",
          "kill",
          "wc",
          "rm",
          "cp",
          "mount",
          "date",
          "printf",
          "test",
          "[",
          "tr",
          "nslookup");

  private TestImages() {}

  static boolean available() {
    return Files.isExecutable(BUSYBOX);
  }

  /** Writes the two layers under {@code dir} (once) and returns them, lowest first. */
  static List<Path> layers(Path dir) throws IOException {
    Path base = dir.resolve("layer0");
    Path top = dir.resolve("layer1");
    if (Files.exists(top.resolve("www/index.html"))) {
      return List.of(base, top);
    }
    Files.createDirectories(base.resolve("bin"));
    Files.copy(BUSYBOX, base.resolve("bin/busybox"), StandardCopyOption.REPLACE_EXISTING);
    for (String a : APPLETS) {
      Files.createSymbolicLink(base.resolve("bin").resolve(a), Path.of("busybox"));
    }
    Files.createDirectories(base.resolve("etc"));
    Files.writeString(
        base.resolve("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\n"
            + "app:x:1000:1000:app:/home/app:/bin/sh\n"
            + "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n");
    Files.writeString(
        base.resolve("etc/group"), "root:x:0:\napp:x:1000:\nextra:x:2000:app\nnogroup:x:65534:\n");
    Files.createDirectories(base.resolve("www"));
    Files.writeString(base.resolve("www/index.html"), "from the base layer\n");
    Files.createDirectories(base.resolve("home/app"));
    Files.createDirectories(base.resolve("root"));

    Files.createDirectories(top.resolve("www/cgi-bin"));
    Files.writeString(top.resolve("www/index.html"), "from the top layer\n");
    Path cgi = top.resolve("www/cgi-bin/env");
    Files.writeString(cgi, "#!/bin/sh\necho 'Content-Type: text/plain'\necho\nenv\n");
    Files.setPosixFilePermissions(cgi, PosixFilePermissions.fromString("rwxr-xr-x"));
    return List.of(base, top);
  }

  /** An image over those layers running {@code sh -c script}. */
  static ContainerImage shell(Path dir, String script) throws IOException {
    return image(dir, List.of("/bin/sh", "-c"), List.of(script), null);
  }

  static ContainerImage image(Path dir, List<String> entrypoint, List<String> cmd, String user)
      throws IOException {
    return new ContainerImage(
        "test/busybox:latest",
        null,
        layers(dir),
        entrypoint,
        cmd,
        List.of("PATH=/bin", "IMAGE_GREETING=hello from the image"),
        "/www",
        user);
  }
}
