package dev.skiff.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.examples.Examples;
import dev.skiff.oci.HelloServerImage;
import dev.skiff.oci.ImageConfig;
import dev.skiff.oci.ImageLayer;
import dev.skiff.oci.LocalRegistry;
import dev.skiff.oci.OciLayoutWriter;
import dev.skiff.testing.Prerequisites;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpVersion;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Containers call a Wasm function by name (issue 12, item 2), under real runc with the mesh on
 * (STRICT): busybox's own wget in the container, with no configuration, resolves {@code
 * hello.default} through the node's name service for its instance and calls it through the mesh
 * with its service's identity; the callee's policy sees who called.
 */
class ContainerCallsIT {
  private static final Path BUSYBOX = Path.of("/bin/busybox");

  @TempDir static Path dir;
  static RunningSkiffd skiffd;
  static Http http;
  static Cli cli;
  static ServerSocket wildcard;
  static final AtomicInteger accepted = new AtomicInteger();

  @BeforeAll
  static void start() throws Exception {
    Prerequisites.requireRoot("containers");
    Prerequisites.requireExecutable(Path.of("/usr/sbin/runc"), "apt-get install runc");
    Prerequisites.requireExecutable(BUSYBOX, "apt-get install busybox-static");
    Prerequisites.require(
        Examples.has(Examples.HELLO),
        "the C examples (clang for wasm32-wasi)",
        "apt-get install clang lld wasi-libc");
    LocalRegistry.assumeInstalled();
    // A server on every address of the node: the containers must not reach it.
    wildcard = new ServerSocket();
    wildcard.bind(new InetSocketAddress(0));
    Thread t =
        new Thread(
            () -> {
              while (!wildcard.isClosed()) {
                try {
                  Socket s = wildcard.accept();
                  accepted.incrementAndGet();
                  s.close();
                } catch (java.io.IOException e) {
                  return;
                }
              }
            });
    t.setDaemon(true);
    t.start();

    skiffd = RunningSkiffd.start(dir.resolve("data"), 30, o -> o.meshSwitch = "on");
    http = new Http(HttpVersion.HTTP_1_1);
    cli = new MeshProbe(skiffd, http, dir).cli();
    Path wasm = Files.write(dir.resolve("hello.wasm"), Examples.wasm(Examples.HELLO));
    cli.ok("deploy", "hello", "--wasm", wasm.toString(), "--annotation", MeshProbe.MIN_SCALE);

    Vertx vertx = Vertx.vertx();
    try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"))) {
      String image = registry.address() + "/tests/busybox-caller:1";
      writeImage(dir.resolve("layout"));
      ImagePush.push(vertx, dir.resolve("layout"), image);
      // The container example (functions-examples/container/hello-server.c) with CALL_URL set.
      String example = registry.address() + "/examples/hello-server:1";
      HelloServerImage.write(
          Files.createDirectories(dir.resolve("build")), dir.resolve("example"), "1");
      ImagePush.push(vertx, dir.resolve("example"), example);
      cli.ok(
          "deploy",
          "web-caller",
          "--image",
          example,
          "--port",
          "8080",
          "--memory",
          "64Mi",
          "--env",
          "CALL_URL=http://hello.default/",
          "--annotation",
          MeshProbe.MIN_SCALE);
      for (String namespace : List.of("default", "other")) {
        cli.ok(
            "deploy",
            "caller",
            "-n",
            namespace,
            "--image",
            image,
            "--port",
            "8080",
            "--memory",
            "64Mi",
            "--annotation",
            MeshProbe.MIN_SCALE);
      }
      // Pulled once the instances are up; the registry can go.
      get("caller.default.localhost", "/");
      get("caller.other.localhost", "/");
      get("web-caller.default.localhost", "/healthz");
    } finally {
      vertx.close();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (http != null) {
      http.close();
    }
    if (skiffd != null) {
      skiffd.close();
    }
    if (wildcard != null) {
      wildcard.close();
    }
  }

  @Test
  void aContainerCallsAWasmFunctionByNameWithBusyboxWget() throws Exception {
    Http.Response r = get("caller.default.localhost", "/cgi-bin/call?hello.default/");

    assertEquals(200, r.status(), r.text());
    assertTrue(r.text().contains("HTTP/1.1 200"), r.text());
    assertTrue(r.text().contains("Hello, world!"), r.text());
    assertTrue(r.text().contains("exit=0"), r.text());
  }

  @Test
  void theContainerExampleCallsTheFunctionWithAPlainSocketClient() throws Exception {
    Http.Response r = get("web-caller.default.localhost", "/");

    assertEquals(200, r.status(), r.text());
    assertEquals("Hello, world!", r.text().trim());
  }

  @Test
  void theFullNameWithTheDomainWorksToo() throws Exception {
    Http.Response r = get("caller.default.localhost", "/cgi-bin/call?hello.default.localhost/");

    assertTrue(r.text().contains("Hello, world!"), r.text());
    assertTrue(r.text().contains("exit=0"), r.text());
  }

  @Test
  void theCalleesPolicyDeniesAnotherNamespaceAndThe403ReachesTheContainer() throws Exception {
    Http.Response r = get("caller.other.localhost", "/cgi-bin/call?hello.default/");

    assertTrue(r.text().contains("403"), r.text());
    assertTrue(r.text().contains("exit=1"), r.text());
    assertTrue(!r.text().contains("Hello, world!"), r.text());
  }

  @Test
  void aNameThatDoesNotExistFailsToResolve() throws Exception {
    for (String name : List.of("nothere.default", "example.com", "localhost.localdomain")) {
      Http.Response r = get("caller.default.localhost", "/cgi-bin/call?" + name + "/");

      assertTrue(r.text().contains("bad address '" + name + "'"), r.text());
      assertTrue(r.text().contains("exit=1"), r.text());
    }
  }

  @Test
  void theContainerReachesOnlyTheMeshPortsOfTheNode() throws Exception {
    assertEquals("REACHED", get("caller.default.localhost", "/cgi-bin/probe?80").text().trim());
    int port = wildcard.getLocalPort();
    assertEquals(
        "BLOCKED", get("caller.default.localhost", "/cgi-bin/probe?" + port).text().trim());
    assertEquals(
        "BLOCKED",
        get("caller.default.localhost", "/cgi-bin/probe?" + skiffd.gatewayPort()).text().trim());
    assertEquals(0, accepted.get(), "a node server accepted a connection from a container");
  }

  /**
   * The caller image: Debian's static busybox serving two CGI scripts with its httpd: {@code call}
   * runs {@code wget -S -O - http://$QUERY_STRING}; {@code probe} says whether TCP port {@code
   * $QUERY_STRING} of the node's end of the link (the nameserver in resolv.conf) accepts.
   */
  static void writeImage(Path layout) throws Exception {
    String bb = "/bin/busybox";
    // busybox httpd passes a CGI script's header lines on as they are: end them with CRLF.
    String head = "#!" + bb + " sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\n";
    String call = head + bb + " wget -S -O - \"http://$QUERY_STRING\" 2>&1\necho \"exit=$?\"\n";
    String probe =
        head
            + "gw=$("
            + bb
            + " awk '/^nameserver/ {print $2}' /etc/resolv.conf)\n"
            + "if echo hi | "
            + bb
            + " nc -w 2 \"$gw\" \"$QUERY_STRING\" >/dev/null 2>&1; then echo REACHED; else echo"
            + " BLOCKED; fi\n";
    OciLayoutWriter.builder()
        .withConfig(
            new ImageConfig(
                List.of(bb, "httpd", "-f", "-p", "8080", "-h", "/www"),
                List.of(),
                List.of("PATH=/bin"),
                "/",
                "",
                Set.of("8080/tcp")))
        .addLayer(
            ImageLayer.builder()
                .file("bin/busybox", Files.readAllBytes(BUSYBOX), 0755)
                .file("www/index.html", "caller\n".getBytes(StandardCharsets.UTF_8), 0644)
                .file("www/cgi-bin/call", call.getBytes(StandardCharsets.UTF_8), 0755)
                .file("www/cgi-bin/probe", probe.getBytes(StandardCharsets.UTF_8), 0755)
                .build())
        .build()
        .write(layout, "1");
  }

  /** GET through the gateway, retried while the services' instances are still starting. */
  static Http.Response get(String host, String uri) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (true) {
      Http.Response r = http.get(skiffd.gatewayPort(), host, uri);
      boolean starting = r.status() == 503 || r.status() == 504;
      if (!starting || System.nanoTime() > deadline) {
        return r;
      }
      Thread.sleep(100); // poll interval while instances start, not a wait for a condition
    }
  }
}
