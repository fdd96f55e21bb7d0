package dev.skiff.node.wasm;

import dev.skiff.api.model.RevisionTemplate;
import dev.skiff.api.model.WasmModule;
import dev.skiff.api.validation.Quantities;
import dev.skiff.node.InstanceStartException;
import dev.skiff.node.spi.Instance;
import dev.skiff.node.spi.InstanceSpec;
import dev.skiff.node.spi.ModuleSource;
import dev.skiff.node.spi.RuntimeBackend;
import dev.skiff.wasm.LogSink;
import dev.skiff.wasm.ModuleInvalidException;
import dev.skiff.wasm.WasmConfig;
import dev.skiff.wasm.WasmFunction;
import dev.skiff.wasm.WasmRuntime;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import java.time.Duration;

/**
 * Runs Wasm revisions. An instance is the revision's module, compiled once (or taken from the
 * compiled-code cache) and served by its own loopback HTTP listener, where each request runs in a
 * fresh Chicory instance. The listener plays the sidecar's inbound role until the mesh proxy
 * arrives.
 */
public final class WasmBackend implements RuntimeBackend {
  private final Vertx vertx;
  private final WasmRuntime runtime;
  private final ModuleSource modules;
  private final String bindHost;
  private final WasmVolumes volumes;

  /** A backend whose revisions may declare no directory. */
  public WasmBackend(Vertx vertx, WasmRuntime runtime, ModuleSource modules, String bindHost) {
    this(vertx, runtime, modules, bindHost, WasmVolumes.none());
  }

  public WasmBackend(
      Vertx vertx,
      WasmRuntime runtime,
      ModuleSource modules,
      String bindHost,
      WasmVolumes volumes) {
    this.vertx = vertx;
    this.runtime = runtime;
    this.modules = modules;
    this.bindHost = bindHost;
    this.volumes = volumes;
  }

  @Override
  public String kind() {
    return "wasm";
  }

  @Override
  public Future<Instance> start(InstanceSpec spec) {
    RevisionTemplate t = spec.template();
    WasmModule module = t.wasm();
    if (module == null || module.digest() == null) {
      return Future.failedFuture(
          new InstanceStartException(
              "ModuleMissing",
              "revision " + spec.revisionName() + " names no module digest",
              null));
    }
    return modules
        .module(module.digest())
        .recover(
            err ->
                Future.failedFuture(
                    new InstanceStartException(
                        "ModuleMissing",
                        "module " + module.digest() + " is not available: " + err.getMessage(),
                        err)))
        .compose(
            bytes ->
                vertx
                    .executeBlocking(() -> config(spec, volumes))
                    .compose(config -> runtime.loadAsync(bytes, config)))
        .recover(
            err ->
                Future.failedFuture(
                    err instanceof ModuleInvalidException mi
                        ? new InstanceStartException("ModuleInvalid", mi.getMessage(), mi)
                        : err))
        .compose(fn -> listen(spec, fn));
  }

  private Future<Instance> listen(InstanceSpec spec, WasmFunction function) {
    HttpServer server =
        vertx.createHttpServer(
            new HttpServerOptions()
                .setHost(bindHost)
                .setPort(0)
                .setHttp2ClearTextEnabled(true)
                .setTcpNoDelay(true));
    return server
        .requestHandler(new WagiBridge(function, spec.requests()))
        .listen()
        .map(s -> new WasmInstance(spec.id(), function, s, bindHost));
  }

  static WasmConfig config(InstanceSpec spec, WasmVolumes volumes) {
    RevisionTemplate t = spec.template();
    WasmConfig.Builder b =
        WasmConfig.builder()
            .withName(spec.serviceName())
            .withEnv(t.env())
            .withEnv("K_SERVICE", spec.serviceName())
            .withEnv("K_REVISION", spec.revisionName())
            .withEnv("K_CONFIGURATION", spec.serviceName())
            .withTimeout(Duration.ofSeconds(t.timeoutSecondsOrDefault()))
            .withConcurrency(t.containerConcurrencyOrDefault())
            .withLogSink(
                (fn, source, line) ->
                    spec.logs().line(source == LogSink.Source.STDERR ? "stderr" : "host", line));
    if (t.resources() != null && t.resources().memory() != null) {
      b.withMaxMemoryBytes(Quantities.bytes(t.resources().memory()));
    }
    WasmModule.Directory dir = t.wasm().directory();
    if (dir != null) {
      b.withDirectory(
          volumes.directoryFor(spec, dir),
          dir.guestPath() == null ? "/data" : dir.guestPath(),
          Boolean.TRUE.equals(dir.writable()));
    }
    return b.build();
  }

  @Override
  public Future<Void> close() {
    return vertx.executeBlocking(
        () -> {
          runtime.close();
          return null;
        });
  }

  /** One compiled revision behind its listener. */
  private record WasmInstance(String id, WasmFunction function, HttpServer server, String host)
      implements Instance {
    @Override
    public int port() {
      return server.actualPort();
    }

    @Override
    public Future<Void> stop(Duration drain) {
      // Graceful: stop accepting, let in-flight requests finish for up to the drain, then close
      // the connections and stop the guests still running (a looping guest would otherwise run
      // to its timeout after the revision is gone).
      return server
          .shutdown(drain)
          .eventually(
              () -> {
                function.close();
                return Future.succeededFuture();
              });
    }
  }
}
