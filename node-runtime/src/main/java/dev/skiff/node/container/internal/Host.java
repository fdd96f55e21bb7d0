package dev.skiff.node.container.internal;

import dev.skiff.node.container.ContainerConfig;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

/**
 * What the backend's parts share: its settings, where blocking work runs, and the host facilities
 * it drives.
 */
public record Host(
    Vertx vertx,
    WorkerExecutor workers,
    ContainerConfig config,
    OciRuntime runtime,
    PodNetwork network,
    Cgroups cgroups) {}
