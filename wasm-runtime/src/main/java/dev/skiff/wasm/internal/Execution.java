package dev.skiff.wasm.internal;

import dev.skiff.wasm.FunctionTimeoutException;
import dev.skiff.wasm.WagiResponse;
import dev.skiff.wasm.WasmException;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One admitted request: waits in the pool's queue, runs on a pool thread, and races its timeout.
 *
 * <p>The first of result and timeout completes the promise. A timeout interrupts the pool thread,
 * which Chicory's interpreter and compiled code both check at loops and calls. The interrupt is
 * sent while holding this object's lock and only in state RUNNING, and the runner leaves RUNNING
 * under the same lock before clearing its interrupt flag, so an interrupt never reaches the next
 * request the thread takes.
 */
final class Execution implements Runnable {
  private enum State {
    QUEUED,
    RUNNING,
    TIMED_OUT,
    DONE
  }

  private final Promise<WagiResponse> promise;
  private final Supplier<WagiResponse> work;
  private final Duration timeout;
  private final Runnable onFinish;
  private final Consumer<String> hostLog;
  private final AtomicBoolean finished = new AtomicBoolean();
  private State state = State.QUEUED; // guarded by this
  private Thread runner; // guarded by this
  private volatile ScheduledFuture<?> timer;

  Execution(
      Promise<WagiResponse> promise,
      Supplier<WagiResponse> work,
      Duration timeout,
      Runnable onFinish,
      Consumer<String> hostLog) {
    this.promise = promise;
    this.work = work;
    this.timeout = timeout;
    this.onFinish = onFinish;
    this.hostLog = hostLog;
  }

  void armTimeout(WorkerPool pool) {
    timer = pool.schedule(this::timeOut, timeout);
  }

  @Override
  public void run() {
    synchronized (this) {
      if (state != State.QUEUED) {
        hostLog.accept("timed out after " + timeout.toMillis() + " ms waiting for a Wasm thread");
        finish();
        return;
      }
      state = State.RUNNING;
      runner = Thread.currentThread();
    }
    WagiResponse response = null;
    WasmException failure = null;
    try {
      response = work.get();
    } catch (
        Throwable t) { // traps include StackOverflowError; the instance is discarded either way
      failure = FailureClassifier.classify(t);
    }
    boolean timedOut;
    synchronized (this) {
      timedOut = state == State.TIMED_OUT;
      state = State.DONE;
      runner = null;
    }
    Thread.interrupted(); // clear a timeout's interrupt before this thread takes other work
    if (timedOut) {
      hostLog.accept(
          "timed out after " + timeout.toMillis() + " ms; instance interrupted and discarded");
    } else if (failure != null) {
      hostLog.accept(failure.getMessage() + detail(failure));
      promise.tryFail(failure);
    } else {
      promise.tryComplete(response);
    }
    finish();
  }

  /** Fails a request that never ran because the pool refused or dropped it. */
  void abort(WasmException reason) {
    synchronized (this) {
      if (state != State.QUEUED) {
        return;
      }
      state = State.DONE;
    }
    promise.tryFail(reason);
    finish();
  }

  private void timeOut() {
    synchronized (this) {
      if (state == State.RUNNING) {
        runner.interrupt();
      } else if (state != State.QUEUED) {
        return;
      }
      state = State.TIMED_OUT;
    }
    promise.tryFail(new FunctionTimeoutException(timeout));
  }

  private void finish() {
    if (finished.compareAndSet(false, true)) {
      ScheduledFuture<?> t = timer;
      if (t != null) {
        t.cancel(false);
      }
      onFinish.run();
    }
  }

  private static String detail(WasmException failure) {
    Throwable cause = failure.getCause();
    return cause == null ? "" : " (" + cause + ")";
  }
}
