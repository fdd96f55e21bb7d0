package dev.skiff.cli;

import dev.skiff.controlplane.Listing;
import dev.skiff.controlplane.spi.Entry;
import dev.skiff.controlplane.spi.Store;
import dev.skiff.controlplane.spi.StoreEvent;
import dev.skiff.controlplane.spi.Watch;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import java.util.Optional;

/**
 * A store that can hold back one write until its key was read a number of times, and otherwise
 * passes everything through. The control plane records a revision's readiness and then recomputes
 * its service's status, two writes one after the other; in process the moment between them is too
 * short for a client to hit, so a test widens it: readers see the service lag behind its ready
 * revision for exactly that many reads.
 */
final class LaggingStore implements Store {
  private final Store delegate;
  private String heldKey;
  private int readsLeft;
  private Runnable release;
  private boolean lagged;

  LaggingStore(Store delegate) {
    this.delegate = delegate;
  }

  /** Holds the next write of {@code key} until {@code key} was read {@code reads} times after. */
  synchronized void holdNextWrite(String key, int reads) {
    this.heldKey = key;
    this.readsLeft = reads;
  }

  /** Whether a write was held and released after its reads. */
  synchronized boolean lagged() {
    return lagged;
  }

  @Override
  public Future<Optional<Entry>> get(String key) {
    Future<Optional<Entry>> read = delegate.get(key);
    Runnable go = null;
    synchronized (this) {
      if (release != null && key.equals(heldKey) && --readsLeft <= 0) {
        go = release;
        release = null;
        heldKey = null;
        lagged = true;
      }
    }
    if (go != null) {
      go.run();
    }
    return read;
  }

  @Override
  public Future<Entry> put(String key, byte[] value, long expectedModRevision) {
    synchronized (this) {
      if (key.equals(heldKey) && release == null) {
        Promise<Entry> written = Promise.promise();
        release = () -> delegate.put(key, value, expectedModRevision).onComplete(written);
        return written.future();
      }
    }
    return delegate.put(key, value, expectedModRevision);
  }

  @Override
  public Future<Listing<Entry>> listing(String prefix) {
    return delegate.listing(prefix);
  }

  @Override
  public Future<Boolean> delete(String key, long expectedModRevision) {
    return delegate.delete(key, expectedModRevision);
  }

  @Override
  public Future<Long> revision() {
    return delegate.revision();
  }

  @Override
  public Watch watch(String prefix, long fromRevision, Handler<StoreEvent> handler) {
    return delegate.watch(prefix, fromRevision, handler);
  }

  @Override
  public Future<Void> close() {
    return delegate.close();
  }
}
