package dev.skiff.wasm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.dylibso.chicory.runtime.ByteArrayMemory;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import org.junit.jupiter.api.Test;

class EnvironTest {
  @Test
  void layoutIsWhatEnvironGetPromisesWithUtf8AndNulTerminators() {
    var env = new LinkedHashMap<String, String>();
    env.put("A", "1");
    env.put("HTTP_X", "Jürgen");
    env.put("EMPTY", "");
    var memory = new ByteArrayMemory(new MemoryLimits(1));
    Environ environ = Environ.of(env);

    assertEquals(0, environ.sizesGet(memory, 0, 4));
    byte[] expected = "A=1\0HTTP_X=Jürgen\0EMPTY=\0".getBytes(StandardCharsets.UTF_8);
    assertEquals(3, memory.readInt(0));
    assertEquals(expected.length, memory.readInt(4));

    assertEquals(0, environ.get(memory, 100, 1000));
    assertEquals(1000, memory.readInt(100));
    assertEquals(1004, memory.readInt(104));
    assertEquals(
        1000 + "A=1\0HTTP_X=Jürgen\0".getBytes(StandardCharsets.UTF_8).length, memory.readInt(108));
    assertEquals(
        new String(expected, StandardCharsets.UTF_8),
        new String(memory.readBytes(1000, expected.length), StandardCharsets.UTF_8));
  }

  @Test
  void everyEntryIsEncodedAsTheJdksUtf8EncoderWouldEncodeIt() {
    var env = new LinkedHashMap<String, String>();
    env.put("ASCII", "plain value");
    env.put("LATIN", "Jürgen");
    env.put("ASCII_THEN", "abc\u20ac"); // ASCII, then a 3-byte character
    env.put("EMOJI", "\ud83d\ude00!"); // a surrogate pair: 4 bytes
    env.put("LONE", "x\ud800y"); // a lone surrogate: whatever the JDK makes of it
    env.put("K\u00e9Y", "");
    var expected = new java.io.ByteArrayOutputStream();
    for (var e : env.entrySet()) {
      expected.writeBytes(
          (e.getKey() + "=" + e.getValue() + "\0").getBytes(StandardCharsets.UTF_8));
    }
    var memory = new ByteArrayMemory(new MemoryLimits(1));
    Environ environ = Environ.of(env);

    environ.sizesGet(memory, 0, 4);
    assertEquals(6, memory.readInt(0));
    assertEquals(expected.size(), memory.readInt(4));
    environ.get(memory, 100, 1000);
    org.junit.jupiter.api.Assertions.assertArrayEquals(
        expected.toByteArray(), memory.readBytes(1000, expected.size()));
  }
}
