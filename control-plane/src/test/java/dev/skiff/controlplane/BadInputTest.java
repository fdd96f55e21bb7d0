package dev.skiff.controlplane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed and invalid requests: each gets a 4xx whose {@code details[].field} names the offending
 * path, and none changes the store.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {
  @TempDir static Path dir;
  ApiFixture api;

  static final String SERVICES = "/v1/namespaces/default/services";

  /**
   * A valid Service whose {@code "spec"} is replaced by {@code spec}, or whose name by {@code
   * name}.
   */
  static String svc(String name, String spec) {
    return "{\"apiVersion\":\"skiff.dev/v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\""
        + name
        + "\"},\"spec\":"
        + spec
        + "}";
  }

  static String tmpl(String template) {
    return "{\"template\":" + template + "}";
  }

  static String annotated(String key, String value) {
    return tmpl("{\"image\":\"registry/x:1\",\"annotations\":{\"" + key + "\":\"" + value + "\"}}");
  }

  static Stream<Arguments> cases() {
    String img = "\"image\":\"registry/x:1\"";
    String digest = "sha256:" + "ab".repeat(32);
    return Stream.of(
        c(
            "wrong type",
            "POST",
            SERVICES,
            svc("x", tmpl("{" + img + ",\"containerConcurrency\":\"many\"}")),
            400,
            "spec.template.containerConcurrency"),
        c(
            "unknown top-level field",
            "POST",
            SERVICES,
            "{\"kind\":\"Service\",\"metadata\":{\"name\":\"x\"},\"spek\":{}}",
            400,
            "spek"),
        c(
            "unknown nested field",
            "POST",
            SERVICES,
            svc("x", tmpl("{\"imag\":\"registry/x:1\"}")),
            400,
            "spec.template.imag"),
        c(
            "percents not summing to 100",
            "POST",
            SERVICES,
            svc(
                "x",
                "{\"template\":{"
                    + img
                    + "},\"traffic\":[{\"latestRevision\":true,\"percent\":90}]}"),
            422,
            "spec.traffic"),
        c(
            "both image and wasm",
            "POST",
            SERVICES,
            svc("x", tmpl("{" + img + ",\"wasm\":{\"digest\":\"" + digest + "\"}}")),
            422,
            "spec.template"),
        c(
            "neither image nor wasm",
            "POST",
            SERVICES,
            svc("x", tmpl("{\"port\":8080}")),
            422,
            "spec.template"),
        c(
            "negative scale",
            "POST",
            SERVICES,
            svc("x", annotated("autoscaling.knative.dev/min-scale", "-1")),
            422,
            "spec.template.annotations[autoscaling.knative.dev/min-scale]"),
        c(
            "min-scale above max-scale",
            "POST",
            SERVICES,
            svc(
                "x",
                tmpl(
                    "{"
                        + img
                        + ",\"annotations\":{\"autoscaling.knative.dev/min-scale\":\"5\","
                        + "\"autoscaling.knative.dev/max-scale\":\"2\"}}")),
            422,
            "spec.template.annotations[autoscaling.knative.dev/min-scale]"),
        c(
            "name not a DNS label",
            "POST",
            SERVICES,
            svc("Hello_World", tmpl("{" + img + "}")),
            422,
            "metadata.name"),
        c(
            "name too long",
            "POST",
            SERVICES,
            svc("a".repeat(58), tmpl("{" + img + "}")),
            422,
            "metadata.name"),
        c(
            "bad env name",
            "POST",
            SERVICES,
            svc("x", tmpl("{" + img + ",\"env\":{\"1BAD\":\"v\"}}")),
            422,
            "spec.template.env.1BAD"),
        c(
            "reserved env",
            "POST",
            SERVICES,
            svc("x", tmpl("{" + img + ",\"env\":{\"PORT\":\"1\"}}")),
            422,
            "spec.template.env.PORT"),
        c(
            "bad memory quantity",
            "POST",
            SERVICES,
            svc("x", tmpl("{" + img + ",\"resources\":{\"memory\":\"lots\"}}")),
            422,
            "spec.template.resources.memory"),
        c(
            "unknown autoscaling annotation",
            "POST",
            SERVICES,
            svc("x", annotated("autoscaling.knative.dev/speed", "9")),
            422,
            "spec.template.annotations[autoscaling.knative.dev/speed]"),
        c(
            "bad duration",
            "POST",
            SERVICES,
            svc("x", annotated("autoscaling.knative.dev/window", "forever")),
            422,
            "spec.template.annotations[autoscaling.knative.dev/window]"),
        c(
            "duplicate tags",
            "POST",
            SERVICES,
            svc(
                "x",
                "{\"template\":{"
                    + img
                    + "},\"traffic\":["
                    + "{\"latestRevision\":true,\"percent\":100,\"tag\":\"a\"},{\"revisionName\":\"x-00001\",\"percent\":0,\"tag\":\"a\"}]}"),
            422,
            "spec.traffic[1].tag"),
        c(
            "traffic to a nonexistent revision",
            "PUT",
            SERVICES + "/hello",
            svc(
                "hello",
                "{\"template\":{"
                    + img
                    + "},\"traffic\":[{\"revisionName\":\"hello-00042\",\"percent\":100}]}"),
            422,
            "spec.traffic[0].revisionName"),
        c(
            "negative containerConcurrency",
            "POST",
            SERVICES,
            svc("x", tmpl("{" + img + ",\"containerConcurrency\":-1}")),
            422,
            "spec.template.containerConcurrency"),
        c(
            "port out of range",
            "POST",
            SERVICES,
            svc("x", tmpl("{" + img + ",\"port\":70000}")),
            422,
            "spec.template.port"),
        c(
            "malformed digest",
            "POST",
            SERVICES,
            svc("x", tmpl("{\"wasm\":{\"digest\":\"md5:1\"}}")),
            422,
            "spec.template.wasm.digest"),
        c(
            "digest never uploaded",
            "POST",
            SERVICES,
            svc("x", tmpl("{\"wasm\":{\"digest\":\"" + digest + "\"}}")),
            422,
            "spec.template.wasm.digest"),
        c(
            "http module url",
            "POST",
            SERVICES,
            svc("x", tmpl("{\"wasm\":{\"url\":\"https://example.com/m.wasm\"}}")),
            422,
            "spec.template.wasm.url"),
        c("10 MB body", "POST", SERVICES, big(), 413, "(body)"),
        c("not JSON", "POST", SERVICES, "this is not json", 400, "(line"),
        c("empty body", "POST", SERVICES, "", 400, "(body)"),
        c(
            "JSON array body",
            "POST",
            SERVICES,
            "[" + svc("x", tmpl("{" + img + "}")) + "]",
            400,
            "(body)"),
        c(
            "wrong kind",
            "POST",
            SERVICES,
            "{\"kind\":\"Trigger\",\"metadata\":{\"name\":\"x\"},\"spec\":{}}",
            400,
            "kind"),
        c(
            "unsupported apiVersion",
            "POST",
            SERVICES,
            "{\"apiVersion\":\"v9\",\"kind\":\"Service\"}",
            400,
            "apiVersion"),
        c(
            "namespace mismatch",
            "POST",
            SERVICES,
            "{\"kind\":\"Service\",\"metadata\":{\"name\":\"x\",\"namespace\":\"prod\"},\"spec\":{\"template\":{"
                + img
                + "}}}",
            400,
            "metadata.namespace"),
        c(
            "name mismatch",
            "PUT",
            SERVICES + "/hello",
            svc("other", tmpl("{" + img + "}")),
            400,
            "metadata.name"),
        c(
            "knative with two containers",
            "POST",
            SERVICES,
            "{\"apiVersion\":\"serving.knative.dev/v1\","
                + "\"kind\":\"Service\",\"metadata\":{\"name\":\"kn\"},\"spec\":{\"template\":{\"spec\":"
                + "{\"containers\":[{\"image\":\"a/b:1\"},{\"image\":\"a/c:1\"}]}}}}",
            400,
            "spec.template.spec.containers"),
        c(
            "unknown field in a traffic body",
            "PUT",
            SERVICES + "/hello/traffic",
            "{\"traffic\":[{\"latestRevision\":true,\"weight\":100}]}",
            400,
            "traffic[0].weight"),
        c(
            "traffic percents off in a traffic body",
            "PUT",
            SERVICES + "/hello/traffic",
            "{\"traffic\":[{\"latestRevision\":true,\"percent\":101}]}",
            422,
            "spec.traffic[0].percent"),
        c(
            "revision status of the wrong type",
            "PUT",
            "/v1/namespaces/default/revisions/hello-00001/status",
            "{\"readyInstances\":\"two\"}",
            400,
            "readyInstances"),
        c(
            "trigger without topic",
            "POST",
            "/v1/namespaces/default/triggers",
            "{\"kind\":\"Trigger\",\"metadata\":{\"name\":\"t\"},\"spec\":{\"bootstrapServers\":\"k:9092\","
                + "\"service\":\"hello\"}}",
            422,
            "spec.topic"),
        c(
            "node with a namespace",
            "PUT",
            "/v1/nodes/n1",
            "{\"kind\":\"Node\",\"metadata\":{\"name\":\"n1\",\"namespace\":\"default\"},\"spec\":{\"address\":\"h:1\"}}",
            400,
            "metadata.namespace"),
        c(
            "watch from a bad revision",
            "GET",
            "/v1/watch?fromRevision=yesterday",
            "",
            400,
            "fromRevision"));
  }

  private static Arguments c(
      String name, String method, String path, String body, int status, String field) {
    return Arguments.of(name, method, path, body, status, field);
  }

  private static String big() {
    char[] pad = new char[10 * 1024 * 1024];
    Arrays.fill(pad, ' ');
    return svc("x", tmpl("{\"image\":\"registry/x:1\"}")) + new String(pad);
  }

  @BeforeAll
  void start() throws Exception {
    api = new ApiFixture(dir);
    var r = api.call("POST", SERVICES, svc("hello", tmpl("{\"image\":\"registry/hello:1\"}")));
    assertEquals(201, r.status(), r.body());
  }

  @AfterAll
  void stop() throws Exception {
    api.close();
  }

  @Test
  void oversizedBodyIsRefusedOverHttp2UpgradeToo() throws Exception {
    long before = api.storeRevision();
    var client =
        java.net.http.HttpClient.newBuilder()
            .version(java.net.http.HttpClient.Version.HTTP_2)
            .build();
    var req =
        java.net.http.HttpRequest.newBuilder(api.uri(SERVICES))
            .header("Authorization", "Bearer " + ApiFixture.ADMIN_TOKEN)
            .header("Content-Type", "application/json")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(big()))
            .build();
    var resp = client.send(req, java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(413, resp.statusCode(), resp.body());
    assertEquals(before, api.storeRevision());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void isRejectedWithTheFieldAndLeavesTheStoreAlone(
      String name, String method, String path, String body, int status, String field)
      throws Exception {
    long before = api.storeRevision();
    long start = System.nanoTime();
    var r = api.call(method, path, body.getBytes(StandardCharsets.UTF_8), "application/json");
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(status, r.status(), r.body());
    assertTrue(
        r.fields().stream().anyMatch(f -> f.startsWith(field)),
        "details name " + field + ": " + r.body());
    assertTrue(r.json().path("error").asText().length() > 0);
    assertTrue(r.json().has("hint"), r.body());
    assertEquals(before, api.storeRevision(), "the store is unchanged");
    if (status == 413) {
      System.out.printf(
          "[bad input] %d MB body refused with 413 in %d ms%n", body.length() >> 20, millis);
    }
  }
}
