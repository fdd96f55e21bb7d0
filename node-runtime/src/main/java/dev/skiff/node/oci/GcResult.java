package dev.skiff.node.oci;

/** What a garbage collection removed. */
public record GcResult(int blobsRemoved, int layersRemoved, long bytesFreed) {}
