package dev.skiff.node.container;

import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Resources;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionSpec;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.node.spi.InstanceSpec;
import dev.skiff.node.spi.LogSink;
import java.util.Map;

/** Instance specs for tests. */
final class TestRevisions {
  private TestRevisions() {}

  static InstanceSpec spec(
      String id,
      String image,
      Map<String, String> env,
      Resources resources,
      Map<String, String> annotations,
      LogSink logs) {
    RevisionTemplate t =
        new RevisionTemplate(image, null, env, 8080, null, null, resources, annotations);
    Revision r =
        Revision.of(ObjectMeta.of("default", "hello-00001"), new RevisionSpec("hello", 1, t));
    return new InstanceSpec(id, r, logs);
  }

  /** A revision of the busybox image named {@code name}, with {@code env}. */
  static Revision revision(String name, Map<String, String> env) {
    RevisionTemplate t =
        new RevisionTemplate("test/busybox:latest", null, env, 8080, null, null, null, Map.of());
    return Revision.of(ObjectMeta.of("default", name), new RevisionSpec("hello", 1, t));
  }

  static InstanceSpec spec(String id, LogSink logs) {
    return spec(
        id,
        "test/busybox:latest",
        Map.of("GREETING", "hello from the service"),
        null,
        Map.of(),
        logs);
  }
}
