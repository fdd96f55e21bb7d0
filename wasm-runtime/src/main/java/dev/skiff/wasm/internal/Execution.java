package dev.skiff.wasm.internal;

import dev.skiff.wasm.FunctionTimeoutException;
import dev.skiff.wasm.WagiResponse;
import dev.skiff.wasm.WasmException;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One admitted request: runs on a thread of its own, computes only while it holds a CPU permit of
 * its revision's lane, and races its timeout and its cancellation.
 *
 * <p>The first of result, timeout and cancellation completes the promise. Timeout and cancellation
 * interrupt the thread, which ends a wait for a permit, a WASI sleep, and guest code (Chicory's
 * interpreter and compiled code check the interrupt at loops and calls). The interrupt is sent
 * while holding this object's lock and only in state RUNNING, and the runner leaves RUNNING under
 * the same lock before clearing its interrupt flag, so an interrupt never outlives its request.
 */
final class Execution implements Runnable {
  private enum State {
    QUEUED,
    RUNNING,
    ENDED, // timed out or cancelled; the guest is being stopped
    DONE
  }

  private final Promise<WagiResponse> promise;
  private final Function<CpuSlot, WagiResponse> work;
  private final CpuPermits.Lane lane;
  private final Duration timeout;
  private final Consumer<String> hostLog;
  private final List<Runnable> finishHooks = new CopyOnWriteArrayList<>();
  private final AtomicBoolean finished = new AtomicBoolean();
  private State state = State.QUEUED; // guarded by this
  private Thread runner; // guarded by this
  private String endNote; // guarded by this
  private volatile ScheduledFuture<?> timer;

  Execution(
      Promise<WagiResponse> promise,
      Function<CpuSlot, WagiResponse> work,
      CpuPermits.Lane lane,
      Duration timeout,
      Consumer<String> hostLog) {
    this.promise = promise;
    this.work = work;
    this.lane = lane;
    this.timeout = timeout;
    this.hostLog = hostLog;
  }

  /** Runs {@code hook} once when the request is over and its guest has stopped. */
  void onFinish(Runnable hook) {
    finishHooks.add(hook);
  }

  void armTimeout(WorkerPool pool) {
    timer = pool.schedule(this::timeOut, timeout);
  }

  @Override
  public void run() {
    synchronized (this) {
      if (state != State.QUEUED) {
        hostLog.accept(endNote + " before it started");
        finish();
        return;
      }
      state = State.RUNNING;
      runner = Thread.currentThread();
    }
    WagiResponse response = null;
    WasmException failure = null;
    var slot = new CpuSlot(lane);
    try {
      slot.acquire();
      response = work.apply(slot);
    } catch (
        Throwable t) { // traps include StackOverflowError; the instance is discarded either way
      failure = FailureClassifier.classify(t);
    } finally {
      slot.release();
    }
    String ended;
    synchronized (this) {
      ended = state == State.ENDED ? endNote : null;
      state = State.DONE;
      runner = null;
    }
    Thread.interrupted(); // clear a timeout's or cancellation's interrupt
    if (ended != null) {
      hostLog.accept(ended + "; instance interrupted and discarded");
    } else if (failure != null) {
      hostLog.accept(failure.getMessage() + detail(failure));
      promise.tryFail(failure);
    } else {
      promise.tryComplete(response);
    }
    finish();
  }

  /**
   * Fails a request that never ran because the pool refused it. One that timed out or was cancelled
   * while queued is finished here too: no runner will ever do it.
   */
  void abort(WasmException reason) {
    synchronized (this) {
      if (state == State.DONE || runner != null) {
        return;
      }
      state = State.DONE;
    }
    promise.tryFail(reason);
    finish();
  }

  /** Ends the request with {@code reason} and stops its guest, wherever it is. */
  void cancel(WasmException reason) {
    end(reason, "cancelled (" + reason.getMessage() + ")");
  }

  private void timeOut() {
    end(new FunctionTimeoutException(timeout), "timed out after " + timeout.toMillis() + " ms");
  }

  private void end(WasmException reason, String note) {
    synchronized (this) {
      if (state == State.RUNNING) {
        runner.interrupt();
      } else if (state != State.QUEUED) {
        return;
      }
      state = State.ENDED;
      endNote = note;
    }
    promise.tryFail(reason);
  }

  private void finish() {
    if (finished.compareAndSet(false, true)) {
      ScheduledFuture<?> t = timer;
      if (t != null) {
        t.cancel(false);
      }
      finishHooks.forEach(Runnable::run);
    }
  }

  private static String detail(WasmException failure) {
    Throwable cause = failure.getCause();
    return cause == null ? "" : " (" + cause + ")";
  }
}
