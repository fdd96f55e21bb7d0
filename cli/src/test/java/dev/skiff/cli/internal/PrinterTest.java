package dev.skiff.cli.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.Service;
import dev.skiff.api.model.TrafficTarget;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class PrinterTest {
  private static final Service HELLO =
      Fixtures.service(
          "hello",
          List.of(TrafficTarget.latest(100)),
          List.of(Fixtures.resolvedLatest("hello-00001", 100)),
          "hello-00001");

  private static String print(Format format, JsonNode doc) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new Printer(new PrintStream(bytes, true, StandardCharsets.UTF_8), format)
        .print(doc, out -> out.println("human"));
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void jsonOutputRoundTripsThroughApiJson() throws Exception {
    String out = print(Format.JSON, WireJson.tree(HELLO));
    assertEquals(HELLO, Json.mapper().readValue(out, Service.class));
  }

  @Test
  void yamlOutputRoundTripsThroughApiYaml() throws Exception {
    String out = print(Format.YAML, WireJson.tree(HELLO));
    assertFalse(out.startsWith("---"), out);
    assertEquals(HELLO, Json.yaml().readValue(out, Service.class));
  }

  @Test
  void tableModePrintsOnlyTheHumanText() {
    assertEquals("human\n", print(Format.TABLE, WireJson.tree(HELLO)));
    assertEquals("human\n", print(null, WireJson.tree(HELLO)));
  }

  @Test
  void requestBodiesCarryNoDerivedAccessors() {
    String body = WireJson.write(HELLO);
    assertFalse(body.contains("\"latest\""), body);
    assertFalse(body.contains("\"true\""), body);
  }
}
