package dev.skiff.oci.internal;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A readers-writer gate for futures: pulls share it, garbage collection has it alone. A waiting
 * writer holds back new readers, so collection is not starved by a stream of pulls. Thread-safe;
 * nothing blocks.
 */
public final class AsyncGate {
  private int readers;
  private boolean writing;
  private final Deque<Promise<Void>> waitingReaders = new ArrayDeque<>();
  private final Deque<Promise<Void>> waitingWriters = new ArrayDeque<>();

  public Future<Void> enterShared() {
    synchronized (this) {
      if (!writing && waitingWriters.isEmpty()) {
        readers++;
        return Future.succeededFuture();
      }
      Promise<Void> p = Promise.promise();
      waitingReaders.add(p);
      return p.future();
    }
  }

  public void exitShared() {
    Promise<Void> next = null;
    synchronized (this) {
      readers--;
      if (readers == 0 && !waitingWriters.isEmpty()) {
        writing = true;
        next = waitingWriters.poll();
      }
    }
    if (next != null) {
      next.complete();
    }
  }

  public Future<Void> enterExclusive() {
    synchronized (this) {
      if (!writing && readers == 0) {
        writing = true;
        return Future.succeededFuture();
      }
      Promise<Void> p = Promise.promise();
      waitingWriters.add(p);
      return p.future();
    }
  }

  public void exitExclusive() {
    Promise<Void> writer = null;
    List<Promise<Void>> released = new ArrayList<>();
    synchronized (this) {
      if (!waitingWriters.isEmpty() && waitingReaders.isEmpty()) {
        writer = waitingWriters.poll();
      } else {
        writing = false;
        readers += waitingReaders.size();
        released.addAll(waitingReaders);
        waitingReaders.clear();
      }
    }
    if (writer != null) {
      writer.complete();
    }
    released.forEach(Promise::complete);
  }
}
