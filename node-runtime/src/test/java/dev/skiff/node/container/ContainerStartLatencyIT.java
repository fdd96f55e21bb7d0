package dev.skiff.node.container;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.node.container.internal.Commands;
import dev.skiff.node.container.internal.ImageUser;
import dev.skiff.node.container.internal.OciSpec;
import dev.skiff.node.container.internal.Overlay;
import dev.skiff.node.spi.Instance;
import io.vertx.core.Future;
import java.io.File;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Start-to-ready of the busybox test container through the backend, beside a bare {@code runc run
 * --detach} of an equivalent bundle (same layers, same hardening, pre-made netns and mount) polled
 * every millisecond until the first TCP connect succeeds. Printed and written to
 * target/measurements/container-start.txt; only gross regressions are asserted.
 */
class ContainerStartLatencyIT extends ContainerFixture {
  private static final int RUNS = 20;
  private static final String SERVE = "exec httpd -f -p $PORT -h /www";

  @Test
  void measuresStartToReadyBesideBareRunc() throws Exception {
    ContainerImage image = TestImages.shell(dir.resolve("layers"), SERVE);
    StringBuilder report = new StringBuilder();

    for (Duration interval : List.of(Duration.ofMillis(50), Duration.ofMillis(5))) {
      backend(ref -> Future.succeededFuture(image), b -> b.withProbeInterval(interval));
      long[] nanos = new long[RUNS];
      for (int i = 0; i < RUNS; i++) {
        long t0 = System.nanoTime();
        Instance inst =
            await(backend.start(TestRevisions.spec("default.hello-00001." + i, (s, l) -> {})));
        nanos[i] = System.nanoTime() - t0;
        await(inst.stop(Duration.ZERO));
      }
      report.append(
          line("backend start() to ready, probing every " + interval.toMillis() + " ms", nanos));
      closeAndCheckNothingIsLeft();
      backend = null;
    }

    report.append(line("bare runc run --detach to first TCP connect", bareRunc(image)));
    System.out.print(report);
    Path out = Path.of("target", "measurements", "container-start.txt");
    Files.createDirectories(out.getParent());
    Files.writeString(out, report.toString());
  }

  private long[] bareRunc(ContainerImage image) throws Exception {
    String scope = "tbare" + (System.nanoTime() % 1000);
    Path bundle = dir.resolve("bare");
    for (String d : List.of("rootfs", "upper", "work")) {
      Files.createDirectories(bundle.resolve(d));
    }
    Path root = dir.resolve("bare-state");
    String netns = scope + "-ns";
    String link = scope + "h";
    String third = Integer.toString(1 + (int) (System.nanoTime() % 250));
    String hostIp = "10.199." + third + ".1";
    String podIp = "10.199." + third + ".2";
    Overlay.mount(
        image.layers(), bundle.resolve("upper"), bundle.resolve("work"), bundle.resolve("rootfs"));
    try {
      sh("ip netns add " + netns);
      sh("ip link add " + link + " type veth peer name eth0 netns " + netns);
      sh("ip addr add " + hostIp + "/30 dev " + link);
      sh("ip link set " + link + " up");
      sh("ip -n " + netns + " addr add " + podIp + "/30 dev eth0");
      sh("ip -n " + netns + " link set eth0 up");
      sh("ip -n " + netns + " link set lo up");
      Files.writeString(bundle.resolve("hosts"), "127.0.0.1 localhost\n");
      OciSpec.Params p =
          new OciSpec.Params(
              List.of("/bin/sh", "-c", SERVE),
              List.of("PATH=/bin", "PORT=8080"),
              "/www",
              ImageUser.ROOT,
              true,
              "bare",
              Path.of("/run/netns", netns),
              "/" + scope + "/c",
              null,
              false,
              null,
              1024,
              64L << 20,
              bundle.resolve("hosts"),
              Map.of());
      Files.writeString(bundle.resolve("config.json"), OciSpec.render(p).encodePrettily());

      long[] nanos = new long[RUNS];
      for (int i = 0; i < RUNS; i++) {
        String id = scope + "-" + i;
        long t0 = System.nanoTime();
        Process runc =
            new ProcessBuilder(
                    "runc",
                    "--root",
                    root.toString(),
                    "run",
                    "--detach",
                    "--bundle",
                    bundle.toString(),
                    id)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        assertTrue(runc.waitFor() == 0, "bare runc run failed");
        while (!connects(podIp)) {
          Thread.sleep(1);
        }
        nanos[i] = System.nanoTime() - t0;
        sh("runc --root " + root + " delete --force " + id);
      }
      return nanos;
    } finally {
      Commands.run(List.of("ip", "netns", "del", netns));
      Commands.run(List.of("ip", "link", "del", link));
      Overlay.unmount(bundle.resolve("rootfs"));
      for (String ctl :
          List.of(
              "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids",
              "systemd", "unified", "")) {
        Files.deleteIfExists(Path.of("/sys/fs/cgroup", ctl, scope));
      }
    }
  }

  private static boolean connects(String host) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, 8080), 100);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static void sh(String cmd) {
    Commands.run(new ArrayList<>(Arrays.asList(cmd.split(" ")))).orThrow();
  }

  private static String line(String what, long[] nanos) {
    long[] s = nanos.clone();
    Arrays.sort(s);
    return String.format(
        "%-58s p50 %6.1f ms  p90 %6.1f ms  min %6.1f ms  (%d runs)%n",
        what, s[s.length / 2] / 1e6, s[s.length * 9 / 10] / 1e6, s[0] / 1e6, s.length);
  }
}
