package dev.skiff.node.spi;

/**
 * How an instance ended without being asked to: a crash, an OOM kill, a process that returned.
 *
 * @param reason Kubernetes' vocabulary: {@code OOMKilled}, {@code Completed}, {@code Error}
 * @param message details for the revision's status and the logs
 */
public record InstanceExit(String reason, String message) {}
