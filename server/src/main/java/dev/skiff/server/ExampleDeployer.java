package dev.skiff.server;

import dev.skiff.examples.Examples;
import dev.skiff.oci.ImageStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code skiffd --examples}: deploys the example functions through the public REST API, exactly as
 * the CLI would, waits until they are ready and prints what to curl.
 */
final class ExampleDeployer {
  private final Vertx vertx;
  private final HttpClient client;
  private final String host;
  private final String token;
  private final int apiPort;
  private final String gatewayHost;
  private final int gatewayPort;
  private final String domain;
  private final ImageStore images;

  /** {@code images} is null when this node runs no containers; the container example is skipped. */
  ExampleDeployer(
      Vertx vertx,
      HttpClientOptions apiOptions,
      String host,
      String token,
      int apiPort,
      String gatewayHost,
      int gatewayPort,
      String domain,
      ImageStore images) {
    this.vertx = vertx;
    this.client = vertx.createHttpClient(apiOptions);
    this.host = host;
    this.token = token;
    this.gatewayHost = gatewayHost;
    this.apiPort = apiPort;
    this.gatewayPort = gatewayPort;
    this.domain = domain;
    this.images = images;
  }

  Future<Void> deploy() {
    List<Future<String>> deployed = new ArrayList<>();
    for (String name : Examples.ALL) {
      if (Examples.has(name)) {
        deployed.add(deployOne(name));
      } else {
        System.out.println(
            "example " + name + " was not built (no clang with wasm32-wasi); skipped");
      }
    }
    if (images == null) {
      System.out.println("container example skipped: this skiffd runs no containers (see the log)");
    } else {
      Examples.containerLayout()
          .ifPresentOrElse(
              layout -> deployed.add(deployContainer(layout)),
              () -> System.out.println("container example was not built (no static gcc); skipped"));
    }
    return Future.all(deployed)
        .map(
            all -> {
              StringBuilder b =
                  new StringBuilder("\nSkiff is running with the examples deployed. Try:\n");
              String gw =
                  (gatewayHost.equals("0.0.0.0") ? "127.0.0.1" : gatewayHost) + ":" + gatewayPort;
              for (Future<String> f : deployed) {
                String name = f.result();
                String h = name + ".default." + domain;
                b.append(
                    switch (name) {
                      case Examples.HELLO -> "  curl -H 'Host: " + h + "' '" + gw + "/?name=you'\n";
                      case Examples.ECHO ->
                          "  curl -i -H 'Host: "
                              + h
                              + "' -d 'any body' '"
                              + gw
                              + "/some/path?x=1'\n";
                      case CONTAINER ->
                          "  curl -H 'Host: "
                              + h
                              + "' "
                              + gw
                              + "/          # a container under runc\n";
                      default -> "  curl -H 'Host: " + h + "' " + gw + "/\n";
                    });
              }
              b.append("  bin/skiff list\n  bin/skiff describe hello\n");
              System.out.println(b);
              return null;
            });
  }

  private static final String CONTAINER = "web";

  /** Imports the example image into this node's store (no registry needed) and deploys it. */
  private Future<String> deployContainer(java.nio.file.Path layout) {
    return images
        .importLayout(layout, Examples.CONTAINER_IMAGE)
        .compose(
            img -> {
              JsonObject service =
                  new JsonObject()
                      .put("apiVersion", "skiff.dev/v1")
                      .put("kind", "Service")
                      .put(
                          "metadata",
                          new JsonObject().put("name", CONTAINER).put("namespace", "default"))
                      .put(
                          "spec",
                          new JsonObject()
                              .put(
                                  "template",
                                  new JsonObject()
                                      .put("image", Examples.CONTAINER_IMAGE)
                                      .put("port", 8080)
                                      .put("resources", new JsonObject().put("memory", "64Mi"))));
              return call(
                  HttpMethod.PUT,
                  "/v1/namespaces/default/services/" + CONTAINER,
                  service.toBuffer(),
                  "application/json");
            })
        .compose(s -> awaitReady(CONTAINER, 400))
        .map(CONTAINER);
  }

  private Future<String> deployOne(String name) {
    return call(
            HttpMethod.POST, "/v1/blobs", Buffer.buffer(Examples.wasm(name)), "application/wasm")
        .compose(
            blob -> {
              JsonObject template =
                  new JsonObject()
                      .put("wasm", new JsonObject().put("digest", blob.getString("digest")));
              JsonObject service =
                  new JsonObject()
                      .put("apiVersion", "skiff.dev/v1")
                      .put("kind", "Service")
                      .put(
                          "metadata",
                          new JsonObject().put("name", name).put("namespace", "default"))
                      .put(
                          "spec",
                          new JsonObject()
                              .put("template", template)
                              .put(
                                  "traffic",
                                  new JsonArray()
                                      .add(
                                          new JsonObject()
                                              .put("latestRevision", true)
                                              .put("percent", 100))));
              return call(
                  HttpMethod.PUT,
                  "/v1/namespaces/default/services/" + name,
                  service.toBuffer(),
                  "application/json");
            })
        .compose(s -> awaitReady(name, 600))
        .map(name);
  }

  private Future<Void> awaitReady(String name, int attemptsLeft) {
    return call(HttpMethod.GET, "/v1/namespaces/default/services/" + name, null, null)
        .compose(
            s -> {
              JsonObject status = s.getJsonObject("status", new JsonObject());
              if (status.getString("latestReadyRevisionName") != null) {
                return Future.succeededFuture();
              }
              if (attemptsLeft == 0) {
                return Future.failedFuture(
                    "example " + name + " did not become ready: " + status.encode());
              }
              return vertx.timer(50).compose(t -> awaitReady(name, attemptsLeft - 1));
            });
  }

  private Future<JsonObject> call(HttpMethod method, String uri, Buffer body, String contentType) {
    RequestOptions req =
        new RequestOptions()
            .setMethod(method)
            .setHost(host)
            .setPort(apiPort)
            .setURI(uri)
            .putHeader("Authorization", "Bearer " + token);
    if (contentType != null) {
      req.putHeader("Content-Type", contentType);
    }
    return client
        .request(req)
        .compose(r -> body == null ? r.send() : r.send(body))
        .compose(
            resp ->
                resp.body()
                    .compose(
                        b ->
                            resp.statusCode() / 100 == 2
                                ? Future.succeededFuture(b.toJsonObject())
                                : Future.failedFuture(
                                    method
                                        + " "
                                        + uri
                                        + " answered "
                                        + resp.statusCode()
                                        + ": "
                                        + b)));
  }
}
