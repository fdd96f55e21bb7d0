package dev.skiff.controlplane.spi;

/**
 * One key and its value as stored. The value array is shared, never copied: do not modify it.
 *
 * @param key the key
 * @param value the bytes stored under it
 * @param createRevision the store revision that created the key (since its last deletion)
 * @param modRevision the store revision of the key's last change
 */
public record Entry(String key, byte[] value, long createRevision, long modRevision) {}
