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
import dev.skiff.wasm.spi.OutboundHttp;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * Runs Wasm revisions. An instance is the revision's module, compiled once (or taken from the
 * compiled-code cache) and served in process by its {@link Instance#handler()}, where each request
 * runs in a fresh Chicory instance. It has no listener of its own: its front (the mesh sidecar, or
 * node-runtime's plain loopback front) is the only way in.
 *
 * <p>A revision whose module the runtime still holds in memory (an earlier instance of it, or of
 * another revision of the same module) starts without a thread hop: nothing is read, parsed or
 * compiled, so its instance is ready as soon as the start is asked for.
 */
public final class WasmBackend implements RuntimeBackend {
  private static final String SHA256 = "sha256:";
  private final Vertx vertx;
  private final WasmRuntime runtime;
  private final ModuleSource modules;
  private final WasmVolumes volumes;
  private final Function<InstanceSpec, OutboundHttp> outbound;

  /** A backend whose revisions may declare no directory. */
  public WasmBackend(Vertx vertx, WasmRuntime runtime, ModuleSource modules) {
    this(vertx, runtime, modules, WasmVolumes.none());
  }

  public WasmBackend(Vertx vertx, WasmRuntime runtime, ModuleSource modules, WasmVolumes volumes) {
    this(vertx, runtime, modules, volumes, spec -> OutboundHttp.none());
  }

  /**
   * A backend whose instances make their {@code wasi_experimental_http} calls through {@code
   * outbound}'s answer for each instance (the caller's identity and allowed hosts are the
   * instance's); called once per instance start, on a worker thread.
   */
  public WasmBackend(
      Vertx vertx,
      WasmRuntime runtime,
      ModuleSource modules,
      WasmVolumes volumes,
      Function<InstanceSpec, OutboundHttp> outbound) {
    this.vertx = vertx;
    this.runtime = runtime;
    this.modules = modules;
    this.volumes = volumes;
    this.outbound = outbound;
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
    if (module.directory() == null && module.digest().startsWith(SHA256)) {
      try {
        Optional<WasmFunction> held =
            runtime.reuse(
                module.digest().substring(SHA256.length()),
                config(spec, volumes, outbound.apply(spec)));
        if (held.isPresent()) {
          return Future.succeededFuture(
              new WasmInstance(spec.id(), held.get(), new WagiBridge(held.get(), spec.id())));
        }
      } catch (ModuleInvalidException mi) {
        return Future.failedFuture(
            new InstanceStartException("ModuleInvalid", mi.getMessage(), mi));
      }
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
                    .executeBlocking(() -> config(spec, volumes, outbound.apply(spec)))
                    .compose(config -> runtime.loadAsync(bytes, config)))
        .recover(
            err ->
                Future.failedFuture(
                    err instanceof ModuleInvalidException mi
                        ? new InstanceStartException("ModuleInvalid", mi.getMessage(), mi)
                        : err))
        .map(fn -> new WasmInstance(spec.id(), fn, new WagiBridge(fn, spec.id())));
  }

  static WasmConfig config(InstanceSpec spec, WasmVolumes volumes, OutboundHttp outbound) {
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
            .withOutbound(outbound)
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

  /** One compiled revision, served in process. */
  private record WasmInstance(String id, WasmFunction function, WagiBridge bridge)
      implements Instance {
    @Override
    public String host() {
      return null;
    }

    @Override
    public int port() {
      return -1;
    }

    @Override
    public Handler<HttpServerRequest> handler() {
      return bridge;
    }

    @Override
    public Future<Void> stop(Duration drain) {
      // The front drained first; stop the guests still running (a looping guest would otherwise
      // run to its timeout after the revision is gone).
      function.close();
      return Future.succeededFuture();
    }
  }
}
