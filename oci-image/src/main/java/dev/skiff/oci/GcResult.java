package dev.skiff.oci;

/** What a garbage collection removed. */
public record GcResult(int blobsRemoved, int layersRemoved, long bytesFreed) {}
