package dev.skiff.wasm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.skiff.wasm.LogSink;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StderrLineSinkTest {
  private final List<String> lines = new ArrayList<>();
  private final StderrLineSink sink =
      new StderrLineSink((fn, source, line) -> lines.add(source + " " + line), "fn");

  private void write(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    sink.write(bytes, 0, bytes.length);
  }

  @Test
  void splitsLinesAcrossWrites() {
    write("hel");
    write("lo\nwor");
    write("ld\r\n");

    assertEquals(List.of("STDERR hello", "STDERR world"), lines);
  }

  @Test
  void cutsOverlongLines() {
    write("x".repeat(StderrLineSink.MAX_LINE + 10) + "\n");

    assertEquals(2, lines.size());
    assertEquals(StderrLineSink.MAX_LINE + "STDERR ".length(), lines.get(0).length());
  }

  @Test
  void dropsEverythingPastTheRequestBudgetWithOneNotice() {
    String line = "y".repeat(1023) + "\n";
    for (int i = 0; i < 1100; i++) {
      write(line);
    }
    sink.close();

    assertEquals(1025, lines.size());
    assertTrue(
        lines.get(1024).startsWith(LogSink.Source.HOST + " stderr exceeded"), lines.get(1024));
  }
}
