package dev.skiff.controlplane.spi;

/**
 * One change seen by a watch.
 *
 * @param type {@code PUT} or {@code DELETE}
 * @param entry for a PUT the entry as written; for a DELETE the key's last value and create
 *     revision, with {@code modRevision} set to the revision of the deletion. Either way {@code
 *     entry.modRevision()} is the revision of this change.
 */
public record StoreEvent(Type type, Entry entry) {

  /** The kind of change. */
  public enum Type {
    PUT,
    DELETE
  }

  /** The store revision of this change. */
  public long revision() {
    return entry.modRevision();
  }
}
