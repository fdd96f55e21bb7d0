package dev.skiff.api.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.Service;
import dev.skiff.api.validation.SkiffApiException;
import org.junit.jupiter.api.Test;

class ResourceEventTest {
  private static final String KEY = "/skiff/services/default/hello";

  private static JsonNode service() throws Exception {
    return Json.mapper()
        .readTree(
            """
            {"apiVersion": "skiff.dev/v1", "kind": "Service",
             "metadata": {"name": "hello", "namespace": "default"},
             "spec": {"template": {"wasm": {"digest": "sha256:%s"}}}}
            """
                .formatted("a".repeat(64)));
  }

  @Test
  void everyConsumerOfOneEventSharesOneBoundResource() throws Exception {
    ResourceEvent e = new ResourceEvent(ResourceEvent.Type.PUT, Service.KIND, KEY, 7, service());

    Service first = (Service) e.resource();

    assertEquals("hello", first.metadata().name());
    assertSame(first, e.resource());
  }

  @Test
  void writesAndReadsTheFiveFieldsOnlyAndComparesByThem() throws Exception {
    ResourceEvent e = new ResourceEvent(ResourceEvent.Type.PUT, Service.KIND, KEY, 7, service());
    e.resource();

    JsonNode json = Json.mapper().valueToTree(e);
    ResourceEvent back = Json.mapper().treeToValue(json, ResourceEvent.class);

    assertEquals(5, json.size(), json.toString());
    assertEquals("PUT", json.get("type").asText());
    assertEquals(7, json.get("revision").asLong());
    assertEquals(e, back);
    assertEquals(e.hashCode(), back.hashCode());
    assertFalse(e.equals(new ResourceEvent(ResourceEvent.Type.DELETE, Service.KIND, KEY, 7, null)));
  }

  @Test
  void aDeleteWithoutObjectLeavesItOut() {
    JsonNode json =
        Json.mapper()
            .valueToTree(new ResourceEvent(ResourceEvent.Type.DELETE, Service.KIND, KEY, 8, null));

    assertFalse(json.has("object"), json.toString());
  }

  @Test
  void anUnreadableObjectFailsEveryTimeItIsAskedFor() {
    ResourceEvent e =
        new ResourceEvent(
            ResourceEvent.Type.PUT, Service.KIND, KEY, 9, Json.mapper().valueToTree("not a map"));

    assertThrows(SkiffApiException.class, e::resource);
    assertThrows(SkiffApiException.class, e::resource);
  }
}
