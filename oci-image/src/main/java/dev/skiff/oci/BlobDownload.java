package dev.skiff.oci;

import java.nio.file.Path;

/**
 * A verified blob now at {@code path}.
 *
 * @param transferred bytes received over the network in this call (0 when already present)
 * @param resumedFrom the offset the download continued from a partial file, 0 when it started fresh
 */
public record BlobDownload(Path path, long transferred, long resumedFrom) {}
