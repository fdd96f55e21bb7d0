package dev.skiff.server;

import static dev.skiff.proxy.testing.Await.await;
import static dev.skiff.proxy.testing.Await.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.api.mesh.SpiffeId;
import dev.skiff.api.stats.RevisionKey;
import dev.skiff.controlplane.ControlPlane;
import dev.skiff.controlplane.EmbeddedStore;
import dev.skiff.meshproxy.IdentityProvider;
import dev.skiff.meshproxy.Sidecar;
import dev.skiff.meshproxy.spi.Ticker;
import dev.skiff.meshproxy.testing.ExternalClient;
import dev.skiff.testing.Prerequisites;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two halves of the mesh together, before skiffd wires them: a real control plane (embedded
 * store, REST API) whose {@code MeshCa} issues, through {@link MeshIssuer}, the certificate of a
 * real {@link Sidecar} in front of a small Vert.x backend. Clients are curl processes holding the
 * files {@code skiff mesh issue} writes, got through the control plane's API.
 *
 * <p>curl cannot check the sidecar's certificate against {@code ca.pem}: a mesh leaf names only its
 * SPIFFE ID (no DNS name, no IP address), and curl always checks the host name. So curl runs with
 * {@code --insecure} (it still presents its certificate, which is what the sidecar checks), and
 * {@code openssl s_client} checks the sidecar's chain against the bundle, as a mesh peer does.
 */
class MeshFitIT {
  private static final String TD = "skiff.local";
  private static final String ADMIN_TOKEN = "skiff_mesh-fit-admin-token";
  private static final SpiffeId SELF = SpiffeId.workload(TD, "shop", "cart");
  private static final Duration REFRESH = Duration.ofSeconds(30);

  @TempDir Path dir;
  private final Vertx vertx = Vertx.vertx();
  private final List<Runnable> closing = new ArrayList<>();
  private final ManualTicker ticker = new ManualTicker();
  private ControlPlane cp;
  private IdentityProvider identity;
  private Sidecar sidecar;

  @BeforeAll
  static void tools() {
    Prerequisites.require(
        Files.isExecutable(Path.of("/usr/bin/curl")), "curl", "apt-get install curl");
    Prerequisites.require(
        Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl", "apt-get install openssl");
  }

  @BeforeEach
  void start() throws IOException {
    cp = controlPlane("mesh");
    HttpServer backend =
        await(
            vertx
                .createHttpServer()
                .requestHandler(req -> req.response().end("backend ok"))
                .listen(0, "127.0.0.1"));
    identity =
        IdentityProvider.builder()
            .withVertx(vertx)
            .withIdentity(SELF)
            .withIssuer(MeshIssuer.of(cp.meshCa(), SELF))
            .withTicker(ticker)
            .withBundleRefresh(REFRESH)
            .build();
    sidecar =
        Sidecar.builder()
            .withVertx(vertx)
            .withIdentity(identity)
            .withRevision(RevisionKey.of("shop", "cart-00001"))
            .withWorkload("127.0.0.1", backend.actualPort())
            .withMeterRegistry(new SimpleMeterRegistry())
            .build();
    await(sidecar.start("127.0.0.1", 0));
    closing.add(0, () -> await(sidecar.stop()));
  }

  @AfterEach
  void stop() {
    closing.forEach(Runnable::run);
    await(vertx.close());
  }

  @Test
  void aWorkloadOfTheSameNamespaceWithACertificateOfTheSameCaGets200() throws Exception {
    Path id = issue(cp, "shop", "checkout");

    Call r = curl(id);

    assertEquals(0, r.exit(), r.output());
    assertStatus(200, r);
    assertTrue(r.output().contains("backend ok"), r.output());
    assertSidecarVerifies(id.resolve("ca.pem"), id);
  }

  @Test
  void aWorkloadOfAnotherNamespaceGets403NamingItself() throws Exception {
    Path id = issue(cp, "billing", "ledger");

    Call r = curl(id);

    assertStatus(403, r);
    assertTrue(r.output().contains("spiffe://skiff.local/ns/billing/svc/ledger"), r.output());
  }

  @Test
  void aCertificateOfAnotherCaOfTheSameTrustDomainIsRefusedAtTheHandshake() throws Exception {
    ControlPlane foreign = controlPlane("foreign");
    Path id = issue(foreign, "shop", "checkout");

    Call r = curl(id);

    assertNotEquals(0, r.exit(), r.output());
    assertFalse(r.output().contains("HTTP/"), r.output());
  }

  @Test
  void afterARootRotationTheSidecarAcceptsTheOldClientAndOneIssuedUnderTheNewRoot()
      throws Exception {
    Path old = issue(cp, "shop", "checkout");
    String oldRoot = cp.meshCa().trustBundle();
    long renewals = identity.renewals();

    await(cp.meshCa().rotateRoot());
    ticker.fire(REFRESH); // the sidecar's bundle refresh between renewals: both roots now
    eventually("the sidecar trusts both roots", () -> identity.current().roots().size() == 2);
    assertEquals(renewals, identity.renewals(), "no renewal was needed");
    Path fresh = issue(cp, "shop", "checkout");
    assertFalse(
        oldRoot.contains(lastCertificate(fresh.resolve("cert.pem"))), "issued under the new root");

    assertStatus(200, curl(old));
    assertStatus(200, curl(fresh));
    // The sidecar now presents a leaf under the new root; the bundle with both roots verifies it.
    assertSidecarVerifies(fresh.resolve("ca.pem"), old);
  }

  @Test
  void theAdapterRefusesAnIdentityOfAnotherTrustDomain() {
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> MeshIssuer.of(cp.meshCa(), SpiffeId.workload("other.test", "shop", "cart")));
    assertTrue(e.getMessage().contains("skiff.local"), e.getMessage());
  }

  /** A started control plane with its own store and CA, on a loopback port. */
  private ControlPlane controlPlane(String name) throws IOException {
    Path home = Files.createDirectories(dir.resolve(name));
    EmbeddedStore store =
        await(EmbeddedStore.builder().withDataDir(home.resolve("store")).build().open());
    ControlPlane started =
        await(
            ControlPlane.builder()
                .withVertx(vertx)
                .withStore(store)
                .withBlobDir(home.resolve("blobs"))
                .withAdminToken(ADMIN_TOKEN)
                .withHost("127.0.0.1")
                .withPort(0)
                .withMeshRootSwitchDelay(Duration.ZERO)
                .build()
                .start());
    closing.add(0, () -> await(started.stop().eventually(store::close)));
    return started;
  }

  /** {@code skiff mesh issue} against {@code plane}'s API: the directory with its three files. */
  private Path issue(ControlPlane plane, String namespace, String service) throws IOException {
    Path out = Files.createTempDirectory(dir, service);
    Files.delete(out);
    new Cli(
            Map.of(
                "SKIFF_SERVER",
                "http://127.0.0.1:" + plane.actualPort(),
                "SKIFF_TOKEN",
                ADMIN_TOKEN,
                "SKIFF_CONFIG_DIR",
                dir.resolve("config").toString()))
        .ok("mesh", "issue", "-n", namespace, "--service", service, "--out", out.toString());
    return out;
  }

  private static String lastCertificate(Path chain) throws IOException {
    String pem = Files.readString(chain);
    return pem.substring(pem.lastIndexOf("-----BEGIN CERTIFICATE-----"));
  }

  private record Call(int exit, String output) {}

  private Call curl(Path id) throws IOException, InterruptedException {
    ExternalClient.Result r =
        ExternalClient.curl("https://127.0.0.1:" + sidecar.port() + "/")
            .flags(
                "--tlsv1.3",
                "--insecure",
                "--cert",
                id.resolve("cert.pem").toString(),
                "--key",
                id.resolve("key.pem").toString())
            .run();
    return new Call(r.exit(), r.output());
  }

  /**
   * openssl s_client, as {@code id}, checks the sidecar's chain against {@code bundle} (no host
   * name: a mesh peer checks the SPIFFE ID instead).
   */
  private void assertSidecarVerifies(Path bundle, Path id)
      throws IOException, InterruptedException {
    // s_client sends only the first certificate of -cert; the intermediate goes in -cert_chain.
    Path intermediate = Files.createTempFile(dir, "intermediate", ".pem");
    Files.writeString(intermediate, lastCertificate(id.resolve("cert.pem")));
    Process p =
        new ProcessBuilder(
                "openssl",
                "s_client",
                "-connect",
                "127.0.0.1:" + sidecar.port(),
                "-tls1_3",
                "-CAfile",
                bundle.toString(),
                "-verify_return_error",
                "-cert",
                id.resolve("cert.pem").toString(),
                "-cert_chain",
                intermediate.toString(),
                "-key",
                id.resolve("key.pem").toString())
            .redirectErrorStream(true)
            .start();
    Call r = finish(p);
    assertEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains("Verify return code: 0 (ok)"), r.output());
  }

  private static Call finish(Process p) throws IOException, InterruptedException {
    p.getOutputStream().close();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    return new Call(p.waitFor(), out.toString(StandardCharsets.UTF_8));
  }

  private static void assertStatus(int status, Call r) {
    assertTrue(
        Pattern.compile("(?m)^HTTP/[0-9.]+ " + status + " ").matcher(r.output()).find(),
        "expected status " + status + " in:\n" + r.output());
  }

  /** Runs nothing by itself: the test fires the sidecar's scheduled tasks. */
  private static final class ManualTicker implements Ticker {
    private final List<Map.Entry<Duration, Runnable>> pending = new ArrayList<>();

    @Override
    public synchronized Runnable schedule(Duration delay, Runnable task) {
      Map.Entry<Duration, Runnable> t = Map.entry(delay, task);
      pending.add(t);
      return () -> {
        synchronized (this) {
          pending.remove(t);
        }
      };
    }

    /** Runs the tasks scheduled so far with exactly {@code delay}. */
    void fire(Duration delay) {
      List<Map.Entry<Duration, Runnable>> due;
      synchronized (this) {
        due = pending.stream().filter(t -> t.getKey().equals(delay)).toList();
        pending.removeAll(due);
      }
      due.forEach(t -> t.getValue().run());
    }
  }
}
