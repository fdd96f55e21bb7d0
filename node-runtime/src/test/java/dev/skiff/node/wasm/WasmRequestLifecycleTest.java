package dev.skiff.node.wasm;

import static dev.skiff.node.wasm.WasmBackendFixture.await;
import static dev.skiff.node.wasm.WasmBackendFixture.awaitCondition;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.node.spi.Instance;
import dev.skiff.wasm.WasmRuntime;
import dev.skiff.wasm.Wat;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A Wasm request behind a real loopback listener: its guest stops when the client goes away or the
 * instance stops, and a response the function got wrong never reaches the client.
 */
class WasmRequestLifecycleTest {
  private WasmBackendFixture fixture;

  @BeforeEach
  void start() {
    fixture = new WasmBackendFixture(WasmRuntime.builder().withThreads(2), WasmVolumes.none());
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  private static Socket sendGet(Instance instance) throws Exception {
    var socket = new Socket("127.0.0.1", instance.port());
    OutputStream out = socket.getOutputStream();
    out.write("GET / HTTP/1.1\r\nHost: looping\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
    return socket;
  }

  @Test
  void aLoopingGuestStopsSoonAfterItsClientDisconnects() throws Exception {
    var instance = fixture.start("looping", Wat.infiniteLoop(), null, 3600);
    var socket = sendGet(instance);
    awaitCondition(Duration.ofSeconds(10), () -> fixture.runtime.stats().busyThreads() == 1);

    socket.close();

    awaitCondition(Duration.ofSeconds(10), () -> fixture.runtime.stats().executions() == 0);
  }

  @Test
  void stoppingTheInstanceStopsTheGuestsStillRunning() throws Exception {
    var instance = fixture.start("looping", Wat.infiniteLoop(), null, 3600);
    var socket = sendGet(instance); // stays open: only the stop can end the request
    awaitCondition(Duration.ofSeconds(10), () -> fixture.runtime.stats().busyThreads() == 1);

    await(instance.stop(Duration.ofMillis(100)));

    awaitCondition(Duration.ofSeconds(10), () -> fixture.runtime.stats().executions() == 0);
    socket.close();
  }

  @Test
  void aHeaderValueWithCarriageReturnIsA502NamingTheHeader() {
    var instance =
        fixture.start(
            "splitter",
            Wat.printing("Content-Type: text/plain\nX-Evil: a\rSet-Cookie: s=stolen\n\nbody"),
            null,
            30);

    var response = fixture.get(instance, "/");

    assertEquals(502, response.statusCode());
    assertTrue(response.body().contains("invalid header 'X-Evil'"), response.body());
    assertFalse(response.body().contains("stolen"), response.body());
    assertFalse(response.body().contains("127.0.0.1"), response.body());
    assertTrue(response.headers().firstValue("Set-Cookie").isEmpty());
    assertTrue(response.headers().firstValue("X-Evil").isEmpty());
  }

  @Test
  void anotherInstanceOfAModuleStillInMemoryStartsWithoutReadingIt() {
    byte[] module = Wat.printing("Content-Type: text/plain\n\nhello");
    var first = fixture.start("hello", module, null, 30);
    await(first.stop(Duration.ZERO)); // the revision went back to zero

    var second = fixture.start("hello", module, null, 30);

    assertEquals(1, fixture.moduleReads(), "the second start found the module in memory");
    var response = fixture.get(second, "/");
    assertEquals(200, response.statusCode());
    assertEquals("hello", response.body());
  }
}
