package dev.skiff.node.wasm;

import dev.skiff.api.model.ObjectMeta;
import dev.skiff.api.model.Revision;
import dev.skiff.api.model.RevisionSpec;
import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.WasmModule;
import dev.skiff.node.LoopbackFront;
import dev.skiff.node.spi.Instance;
import dev.skiff.node.spi.InstanceFront;
import dev.skiff.node.spi.InstanceSpec;
import dev.skiff.wasm.WasmRuntime;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** A real Vert.x, a real Wasm runtime and a WasmBackend serving modules over loopback. */
final class WasmBackendFixture implements AutoCloseable {
  final Vertx vertx = Vertx.vertx();
  final WasmRuntime runtime;
  final WasmBackend backend;
  private final Map<String, byte[]> modules = new ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicInteger reads =
      new java.util.concurrent.atomic.AtomicInteger();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  WasmBackendFixture(WasmRuntime.Builder runtime, WasmVolumes volumes) {
    this.runtime = runtime.build();
    this.backend =
        new WasmBackend(
            vertx,
            this.runtime,
            digest -> {
              reads.incrementAndGet();
              byte[] bytes = modules.get(digest);
              return bytes == null
                  ? Future.failedFuture("no module " + digest)
                  : Future.succeededFuture(bytes);
            },
            volumes);
  }

  /**
   * Starts one instance of a service running {@code module}, behind a plain loopback front; the
   * answer is that front's address (and the instance's stop drains it first).
   */
  Instance start(String service, byte[] module, WasmModule.Directory directory, int timeoutSec) {
    String digest = "sha256:" + sha256(module);
    modules.put(digest, module);
    var template =
        new RevisionTemplate(
            null,
            new WasmModule(digest, null, directory),
            Map.of(),
            null,
            null,
            timeoutSec,
            null,
            Map.of());
    var revision =
        Revision.of(
            ObjectMeta.of("default", service + "-00001"), new RevisionSpec(service, 1, template));
    var spec = new InstanceSpec(service + ".1", revision, (s, l) -> {});
    Instance inst = await(backend.start(spec));
    InstanceFront front = await(new LoopbackFront(vertx, "127.0.0.1").open(spec, inst));
    return new Fronted(inst, front);
  }

  /** How many times the backend asked for a module's bytes. */
  int moduleReads() {
    return reads.get();
  }

  private static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of()
          .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An instance seen through its front, as callers see it. */
  private record Fronted(Instance inst, InstanceFront front) implements Instance {
    @Override
    public String id() {
      return inst.id();
    }

    @Override
    public String host() {
      return front.host();
    }

    @Override
    public int port() {
      return front.port();
    }

    @Override
    public Future<Void> stop(Duration drain) {
      return front.stop(drain).eventually(() -> inst.stop(drain));
    }
  }

  HttpResponse<String> get(Instance instance, String path) {
    try {
      return http.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + instance.port() + path))
              .timeout(Duration.ofSeconds(30))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static void awaitCondition(Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + timeout);
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  @Override
  public void close() {
    await(backend.close());
    await(vertx.close());
  }
}
