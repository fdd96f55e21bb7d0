package dev.skiff.node.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.node.InstanceStartException;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The container's way out, against real runc and nftables: its resolv.conf names the node's end of
 * its own link, the door opened there before the process starts is reachable on port 80, every
 * other port of the node stays fenced, and the door closes with the instance.
 */
class OutboundDoorIT extends ContainerFixture {
  /**
   * A door that serves "door of {id}" on port 15001 of the node's end of each link (the fence
   * redirects the container's port 80 there), or fails to open when told to.
   */
  private static final class TestDoor implements OutboundDoor {
    final Map<String, HttpServer> open = new ConcurrentHashMap<>();
    final List<String> closed = new CopyOnWriteArrayList<>();
    final String failure;

    TestDoor(String failure) {
      this.failure = failure;
    }

    @Override
    public int dnsPort() {
      return 15053;
    }

    @Override
    public int httpPort() {
      return 15001;
    }

    @Override
    public Future<Opened> open(
        dev.skiff.node.spi.InstanceSpec spec, String nodeAddress, String instanceAddress) {
      if (failure != null) {
        return Future.failedFuture(new IllegalStateException(failure));
      }
      return vertx
          .createHttpServer()
          .requestHandler(
              req ->
                  req.response()
                      .end(
                          "door of "
                              + spec.id()
                              + " for "
                              + req.remoteAddress().host()
                              + " expecting "
                              + instanceAddress))
          .listen(httpPort(), nodeAddress)
          .map(
              server -> {
                open.put(spec.id(), server);
                return () ->
                    server.close().andThen(ar -> closed.add(spec.id() + " at " + nodeAddress));
              });
    }
  }

  @Test
  void theContainerReachesItsDoorOnPort80AndNothingElseOfTheNode() throws Exception {
    try (ServerSocket wildcard = new ServerSocket()) {
      wildcard.bind(new InetSocketAddress(0));
      AtomicInteger accepted = new AtomicInteger();
      acceptForever(wildcard, accepted);
      TestDoor door = new TestDoor(null);
      ContainerImage image =
          TestImages.shell(
              dir,
              String.join(
                  "\n",
                  "me=$(ip -4 -o addr show eth0 | awk '{print $4}' | cut -d/ -f1)",
                  "gw=${me%.*}.$((${me##*.} - 1))",
                  "ns=$(grep '^nameserver' /etc/resolv.conf | cut -d' ' -f2)",
                  "if [ \"$ns\" = \"$gw\" ]; then echo NAMESERVER-IS-LINK; fi",
                  "echo \"DOOR $(wget -q -O - http://$gw/)\"",
                  "try() { if echo hi | nc -w 2 $1 $2 >/dev/null 2>&1; then echo \"REACHED"
                      + " $3\"; else echo \"BLOCKED $3\"; fi; }",
                  "try $gw 81 port-81",
                  "try $gw 15001 door-port-directly",
                  "try $gw $ANY_PORT wildcard-server",
                  "try $gw 53 tcp-53",
                  "echo DONE",
                  "exec httpd -f -p $PORT -h /www"));
      backend(ref -> Future.succeededFuture(image), b -> {}, door);
      CollectingSink logs = new CollectingSink();
      ContainerInstance inst =
          (ContainerInstance)
              await(
                  backend.start(
                      TestRevisions.spec(
                          "default.caller-00001.1",
                          "test/busybox:latest",
                          Map.of("ANY_PORT", "" + wildcard.getLocalPort()),
                          null,
                          Map.of(),
                          logs)));
      logs.await("DONE");

      assertTrue(logs.lines.contains("stdout: NAMESERVER-IS-LINK"), logs.lines.toString());
      assertTrue(
          logs.lines.contains(
              "stdout: DOOR door of default.caller-00001.1 for "
                  + inst.host()
                  + " expecting "
                  + inst.host()),
          logs.lines.toString());
      assertTrue(logs.lines.contains("stdout: BLOCKED port-81"), logs.lines.toString());
      assertTrue(logs.lines.contains("stdout: BLOCKED door-port-directly"), logs.lines.toString());
      assertTrue(logs.lines.contains("stdout: BLOCKED wildcard-server"), logs.lines.toString());
      assertTrue(logs.lines.contains("stdout: BLOCKED tcp-53"), logs.lines.toString());
      assertEquals(0, accepted.get(), "a node server accepted a connection from the container");

      await(inst.stop(Duration.ofSeconds(5)));
      assertEquals(1, door.closed.size(), "the door closes with the instance: " + door.closed);
    }
  }

  @Test
  void aDoorThatCannotOpenFailsTheStartAndLeavesNothing() throws Exception {
    ContainerImage image = TestImages.shell(dir, "exec httpd -f -p $PORT -h /www");
    backend(ref -> Future.succeededFuture(image), b -> {}, new TestDoor("port 15001 taken"));
    InstanceStartException e =
        assertThrows(
            InstanceStartException.class,
            () ->
                await(
                    backend.start(
                        TestRevisions.spec("default.caller-00001.2", new CollectingSink()))));
    assertEquals("ContainerSetupFailed", e.reason());
    assertTrue(e.getMessage().contains("port 15001 taken"), e.getMessage());
  }

  private static void acceptForever(ServerSocket server, AtomicInteger accepted) {
    Thread t =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try {
                  Socket s = server.accept();
                  accepted.incrementAndGet();
                  s.close();
                } catch (java.io.IOException e) {
                  return;
                }
              }
            });
    t.setDaemon(true);
    t.start();
  }
}
