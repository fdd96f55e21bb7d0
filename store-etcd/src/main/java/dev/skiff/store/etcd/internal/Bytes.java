package dev.skiff.store.etcd.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.skiff.controlplane.spi.Entry;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.KeyValue;

/** Conversions between Skiff's keys and entries and jetcd's byte sequences and key-values. */
public final class Bytes {
  private Bytes() {}

  public static ByteSequence key(String key) {
    return ByteSequence.from(key, UTF_8);
  }

  public static String key(KeyValue kv) {
    return kv.getKey().toString(UTF_8);
  }

  /** The entry of {@code kv}, whose revisions are etcd's own (see {@code EtcdStore}). */
  public static Entry entry(KeyValue kv) {
    return new Entry(
        key(kv), kv.getValue().getBytes(), kv.getCreateRevision(), kv.getModRevision());
  }
}
