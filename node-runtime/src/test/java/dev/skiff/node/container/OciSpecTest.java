package dev.skiff.node.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.node.container.internal.ImageUser;
import dev.skiff.node.container.internal.Launcher;
import dev.skiff.node.container.internal.OciSpec;
import dev.skiff.node.spi.InstanceSpec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OciSpecTest {
  private static OciSpec.Params params(Long memory, Long cpu, boolean readOnly) {
    return new OciSpec.Params(
        List.of("/bin/server", "--flag"),
        List.of("PORT=8080"),
        "/app",
        new ImageUser(1000, 1000, List.of(2000L), "/home/app"),
        readOnly,
        "hello-1",
        Path.of("/run/netns/skiff-x"),
        "/skiff/x",
        memory,
        true,
        cpu,
        512,
        1 << 20,
        Path.of("/data/x/hosts"),
        Path.of("/data/x/resolv.conf"),
        Map.of("dev.skiff.instance", "x"));
  }

  @Test
  void runsTheProcessAsTheUserWithDockersCapabilitiesAndNoNewPrivileges() {
    JsonObject process = OciSpec.render(params(null, null, true)).getJsonObject("process");
    assertEquals(new JsonArray().add("/bin/server").add("--flag"), process.getJsonArray("args"));
    assertEquals("/app", process.getString("cwd"));
    assertEquals(1000, process.getJsonObject("user").getInteger("uid"));
    assertEquals(
        new JsonArray().add(2000L), process.getJsonObject("user").getJsonArray("additionalGids"));
    assertTrue(process.getBoolean("noNewPrivileges"));
    JsonArray bounding = process.getJsonObject("capabilities").getJsonArray("bounding");
    assertEquals(14, bounding.size());
    assertFalse(bounding.contains("CAP_SYS_ADMIN"));
    assertFalse(bounding.contains("CAP_NET_ADMIN"));
    assertFalse(process.getJsonObject("capabilities").containsKey("ambient"));
  }

  @Test
  void givesItsOwnNamespacesJoiningThePreparedNetwork() {
    JsonArray ns =
        OciSpec.render(params(null, null, true)).getJsonObject("linux").getJsonArray("namespaces");
    List<String> types = ns.stream().map(o -> ((JsonObject) o).getString("type")).toList();
    assertTrue(
        types.containsAll(List.of("pid", "ipc", "uts", "mount", "network")), types.toString());
    JsonObject net =
        ns.stream()
            .map(o -> (JsonObject) o)
            .filter(o -> o.getString("type").equals("network"))
            .findFirst()
            .orElseThrow();
    assertEquals("/run/netns/skiff-x", net.getString("path"));
  }

  @Test
  void setsCgroupLimitsFromTheTemplate() {
    JsonObject linux = OciSpec.render(params(64L << 20, 250L, true)).getJsonObject("linux");
    assertEquals("/skiff/x", linux.getString("cgroupsPath"));
    JsonObject r = linux.getJsonObject("resources");
    assertEquals(64L << 20, r.getJsonObject("memory").getLong("limit"));
    assertEquals(64L << 20, r.getJsonObject("memory").getLong("swap"), "no swap beyond the limit");
    assertEquals(25_000L, r.getJsonObject("cpu").getLong("quota"));
    assertEquals(100_000L, r.getJsonObject("cpu").getLong("period"));
    assertEquals(512L, r.getJsonObject("pids").getLong("limit"));
    assertFalse(
        OciSpec.render(params(null, null, true))
            .getJsonObject("linux")
            .getJsonObject("resources")
            .containsKey("memory"));
  }

  @Test
  void masksKernelPathsAndMakesTheRootfsReadOnlyUnlessAsked() {
    JsonObject spec = OciSpec.render(params(null, null, true));
    JsonObject linux = spec.getJsonObject("linux");
    assertTrue(linux.getJsonArray("maskedPaths").contains("/proc/kcore"));
    assertTrue(linux.getJsonArray("maskedPaths").contains("/proc/keys"));
    assertTrue(linux.getJsonArray("maskedPaths").contains("/sys/firmware"));
    assertTrue(linux.getJsonArray("readonlyPaths").contains("/proc/sys"));
    assertTrue(linux.getJsonArray("readonlyPaths").contains("/proc/sysrq-trigger"));
    assertTrue(spec.getJsonObject("root").getBoolean("readonly"));
    assertFalse(
        OciSpec.render(params(null, null, false)).getJsonObject("root").getBoolean("readonly"));
    List<String> mounts =
        spec.getJsonArray("mounts").stream()
            .map(o -> ((JsonObject) o).getString("destination"))
            .toList();
    assertTrue(
        mounts.containsAll(
            List.of("/proc", "/dev", "/sys", "/tmp", "/etc/hosts", "/etc/resolv.conf")),
        mounts.toString());
  }

  @Test
  void seccompDeniesKernelSurfaceAndNewUserNamespaces() {
    JsonObject seccomp =
        OciSpec.render(params(null, null, true)).getJsonObject("linux").getJsonObject("seccomp");
    assertEquals("SCMP_ACT_ALLOW", seccomp.getString("defaultAction"));
    JsonArray rules = seccomp.getJsonArray("syscalls");
    JsonArray denied = rules.getJsonObject(0).getJsonArray("names");
    for (String call :
        List.of(
            "keyctl",
            "add_key",
            "request_key",
            "ptrace",
            "mount",
            "umount2",
            "pivot_root",
            "kexec_load",
            "kexec_file_load",
            "bpf",
            "perf_event_open",
            "reboot",
            "swapon",
            "init_module")) {
      assertTrue(denied.contains(call), call);
    }
    JsonObject unshare =
        rules.stream()
            .map(o -> (JsonObject) o)
            .filter(o -> o.getJsonArray("names").contains("unshare"))
            .findFirst()
            .orElseThrow();
    JsonObject arg = unshare.getJsonArray("args").getJsonObject(0);
    assertEquals("SCMP_CMP_MASKED_EQ", arg.getString("op"));
    assertEquals(0x10000000L, arg.getLong("value"));
  }

  @Test
  void layersEnvImageThenServiceThenPlatform() {
    InstanceSpec spec =
        TestRevisions.spec(
            "default.hello-00001.1",
            "img",
            Map.of("GREETING", "svc", "PORT", "1"),
            null,
            Map.of(),
            (s, l) -> {});
    ContainerImage image =
        new ContainerImage(
            "img",
            null,
            List.of(),
            List.of("/x"),
            List.of(),
            List.of("PATH=/opt/bin", "GREETING=image", "ONLY_IMAGE=1"),
            null,
            null);
    List<String> env = Launcher.env(spec, image, ImageUser.ROOT, "h");
    assertTrue(env.contains("PATH=/opt/bin"), env.toString());
    assertTrue(env.contains("GREETING=svc"), env.toString());
    assertTrue(env.contains("ONLY_IMAGE=1"), env.toString());
    assertTrue(env.contains("PORT=8080"), "the platform sets PORT: " + env);
    assertTrue(
        env.containsAll(
            List.of(
                "K_SERVICE=hello",
                "K_REVISION=hello-00001",
                "K_CONFIGURATION=hello",
                "HOME=/root")));
  }

  @Test
  void hostnameIsADnsLabel() {
    assertEquals("default-hello-00001-1", Launcher.hostname("default.hello-00001.1"));
    assertEquals(63, Launcher.hostname("a".repeat(100)).length());
  }
}
