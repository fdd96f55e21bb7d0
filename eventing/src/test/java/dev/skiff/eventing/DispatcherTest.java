package dev.skiff.eventing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.skiff.api.manifest.Json;
import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Trigger;
import dev.skiff.api.model.TriggerSpec;
import dev.skiff.api.watch.ResourceEvent;
import io.vertx.core.Vertx;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The dispatcher's bookkeeping of the feed, before it starts consuming (no broker needed). */
class DispatcherTest {
  private final Vertx vertx = Vertx.vertx();
  private final Dispatcher dispatcher =
      Dispatcher.builder()
          .withVertx(vertx)
          .withGateway("127.0.0.1", () -> 1)
          .withStatusSink(new Dispatcher.MemoryStatusSink())
          .build();

  @AfterEach
  void close() {
    dispatcher.close().toCompletionStage().toCompletableFuture().join();
    vertx.close().toCompletionStage().toCompletableFuture().join();
  }

  private static ResourceEvent event(ResourceEvent.Type type, String name, Object object) {
    return new ResourceEvent(
        type,
        Trigger.KIND,
        "/skiff/triggers/default/" + name,
        1,
        object == null ? null : Json.mapper().valueToTree(object));
  }

  @Test
  void anUnreadableTriggerIsSkippedWithoutStoppingTheFeed() {
    var garbage = JsonNodeFactory.instance.objectNode().put("spec", "not an object");
    dispatcher.onResourceEvent(event(ResourceEvent.Type.PUT, "bad", garbage));
    Trigger good =
        Trigger.of(
            ObjectMeta.of("default", "good"),
            new TriggerSpec("t", "127.0.0.1:9", "fn", null, null, null));
    dispatcher.onResourceEvent(event(ResourceEvent.Type.PUT, "good", good));
    assertEquals(Set.of("default/good"), dispatcher.running());
    dispatcher.onResourceEvent(event(ResourceEvent.Type.DELETE, "good", good));
    assertEquals(Set.of(), dispatcher.running());
  }
}
