package dev.skiff.node.container;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.node.container.internal.LogPump;
import dev.skiff.node.container.internal.RotatingLog;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogPumpTest {
  @TempDir Path dir;

  @Test
  void deliversLinesAndCopiesTheStreamToTheFile() throws Exception {
    byte[] input = "one\r\ntwo\n\nthree without newline".getBytes(StandardCharsets.UTF_8);
    CollectingSink sink = new CollectingSink();
    LogPump p =
        LogPump.start(
            new ByteArrayInputStream(input),
            "stdout",
            sink,
            new RotatingLog(dir, "stdout", 1 << 20, 2));
    p.done().get(10, TimeUnit.SECONDS);
    assertEquals(
        List.of("stdout: one", "stdout: two", "stdout: ", "stdout: three without newline"),
        sink.lines);
    assertArrayEquals(input, Files.readAllBytes(dir.resolve("stdout.log")));
    assertEquals(List.of("one", "two", "", "three without newline"), p.tail());
  }

  @Test
  void cutsEndlessLinesIntoBoundedPieces() throws Exception {
    byte[] input = "x".repeat(LogPump.MAX_LINE * 2 + 10).getBytes(StandardCharsets.UTF_8);
    CollectingSink sink = new CollectingSink();
    LogPump.start(
            new ByteArrayInputStream(input),
            "stderr",
            sink,
            new RotatingLog(dir, "stderr", 1 << 20, 2))
        .done()
        .get(10, TimeUnit.SECONDS);
    assertEquals(3, sink.lines.size());
    assertTrue(
        sink.lines.stream().allMatch(l -> l.length() <= "stderr: ".length() + LogPump.MAX_LINE));
  }

  @Test
  void rotatesBySizeKeepingTheNewestFiles() throws Exception {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      b.append(String.format("line %03d%n", i));
    }
    // A container writes line by line; so does this stream.
    InputStream lineByLine =
        new ByteArrayInputStream(b.toString().getBytes(StandardCharsets.UTF_8)) {
          @Override
          public synchronized int read(byte[] buf, int off, int len) {
            return super.read(buf, off, Math.min(len, 9));
          }
        };
    LogPump.start(lineByLine, "stdout", (s, l) -> {}, new RotatingLog(dir, "stdout", 100, 2))
        .done()
        .get(10, TimeUnit.SECONDS);
    assertTrue(Files.exists(dir.resolve("stdout.log")));
    assertTrue(Files.exists(dir.resolve("stdout.1.log")));
    assertTrue(Files.exists(dir.resolve("stdout.2.log")));
    assertTrue(!Files.exists(dir.resolve("stdout.3.log")));
    assertTrue(Files.readString(dir.resolve("stdout.log")).endsWith("line 099\n"));
    assertEquals(99, Files.size(dir.resolve("stdout.1.log")));
  }
}
