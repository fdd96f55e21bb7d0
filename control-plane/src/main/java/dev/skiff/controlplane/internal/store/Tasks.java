package dev.skiff.controlplane.internal.store;

import dev.skiff.controlplane.spi.Entry;

/** What callers hand to the commit thread. */
final class Tasks {
  private Tasks() {}

  /** A write: a put when {@code value} is non-null, else a delete. */
  record Write(
      String key, byte[] value, long expected, Reply<Entry> putReply, Reply<Boolean> deleteReply) {
    static Write put(String key, byte[] value, long expected, Reply<Entry> reply) {
      return new Write(key, value, expected, reply, null);
    }

    static Write delete(String key, long expected, Reply<Boolean> reply) {
      return new Write(key, null, expected, null, reply);
    }

    boolean isPut() {
      return value != null;
    }

    void fail(Throwable cause) {
      if (isPut()) {
        putReply.fail(cause);
      } else {
        deleteReply.fail(cause);
      }
    }
  }

  /**
   * Roll the log and snapshot; with {@code dropHistory} also forget the watch history (compact).
   */
  record Snapshot(boolean dropHistory, Reply<Void> reply) {}

  /** Finish what came before, then stop. */
  record Stop(Reply<Void> reply) {}
}
