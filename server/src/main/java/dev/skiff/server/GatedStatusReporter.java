package dev.skiff.server;

import dev.skiff.api.model.RevisionStatus;
import dev.skiff.node.spi.StatusReporter;
import io.vertx.core.Future;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The in-process agent's revision status, written only by the leading skiffd: every skiffd on a
 * store tracks every revision and would write the same conditions. While not leading, the last
 * status of each revision is kept instead; on {@link #lead} those are written, so the store catches
 * up with what this process saw while another led.
 */
final class GatedStatusReporter implements StatusReporter, Singletons.Singleton {
  private record Key(String namespace, String revision) {}

  private final StatusReporter delegate;
  private final Map<Key, RevisionStatus> held = new LinkedHashMap<>();
  private boolean leading;

  GatedStatusReporter(StatusReporter delegate) {
    this.delegate = delegate;
  }

  @Override
  public Future<Void> report(String namespace, String revision, RevisionStatus status) {
    synchronized (this) {
      if (!leading) {
        held.put(new Key(namespace, revision), status);
        return Future.succeededFuture();
      }
    }
    return delegate.report(namespace, revision, status);
  }

  @Override
  public Future<Void> lead() {
    Map<Key, RevisionStatus> pending;
    synchronized (this) {
      leading = true;
      pending = new LinkedHashMap<>(held);
      held.clear();
    }
    java.util.List<Future<Void>> writes = new java.util.ArrayList<>();
    pending.forEach((k, s) -> writes.add(delegate.report(k.namespace(), k.revision(), s)));
    return Future.join(writes).<Void>mapEmpty().otherwiseEmpty();
  }

  @Override
  public synchronized void follow() {
    leading = false;
  }
}
