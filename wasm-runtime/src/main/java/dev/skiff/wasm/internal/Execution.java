package dev.skiff.wasm.internal;

import dev.skiff.wasm.FunctionTimeoutException;
import dev.skiff.wasm.WagiResponse;
import dev.skiff.wasm.WasmException;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One admitted request: waits in its revision's lane without a thread until it gets a CPU permit,
 * then runs on a pool thread (often the one whose request just ended), computes only while it holds
 * the permit, and races its timeout and its cancellation.
 *
 * <p>The first of result, timeout and cancellation completes the promise. Timeout and cancellation
 * take a request that has not started out of its lane, and interrupt the thread of one that has,
 * which ends a wait for a permit (after a WASI sleep), a WASI sleep, and guest code (Chicory's
 * interpreter and compiled code check the interrupt at loops and calls). The interrupt is sent
 * while holding this object's lock and only in state RUNNING, and the runner leaves RUNNING under
 * the same lock before clearing its interrupt flag, so an interrupt never outlives its request.
 */
final class Execution {
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
  private volatile RequestTimeouts.Entry timeoutEntry;

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

  /**
   * Arms this request's timeout among its function's.
   *
   * @throws java.util.concurrent.RejectedExecutionException when the runtime is closing
   */
  void armTimeout(RequestTimeouts timeouts) {
    timeoutEntry = timeouts.arm(this);
  }

  CpuPermits.Lane lane() {
    return lane;
  }

  /**
   * Runs the request on the calling thread, which holds a permit of the lane taken for it. Returns
   * the queued execution that permit went to when the request ended, for this thread to run next
   * (null when none waited).
   */
  Execution run() {
    var slot = new CpuSlot(lane, true);
    String before = null;
    synchronized (this) {
      if (state != State.QUEUED) {
        before = endNote;
      } else {
        state = State.RUNNING;
        runner = Thread.currentThread();
      }
    }
    if (before != null) {
      hostLog.accept(before + " before it started");
      finish();
      return slot.releaseForNext();
    }
    WagiResponse response = null;
    WasmException failure = null;
    Execution next;
    try {
      response = work.apply(slot);
    } catch (
        Throwable t) { // traps include StackOverflowError; the instance is discarded either way
      failure = FailureClassifier.classify(t);
    } finally {
      next = slot.releaseForNext();
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
    return next;
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

  /** Ends the request as timed out; called by its function's {@link RequestTimeouts}. */
  void timeOut() {
    end(new FunctionTimeoutException(timeout), "timed out after " + timeout.toMillis() + " ms");
  }

  private void end(WasmException reason, String note) {
    boolean queued;
    synchronized (this) {
      if (state == State.RUNNING) {
        runner.interrupt();
      } else if (state != State.QUEUED) {
        return;
      }
      queued = state == State.QUEUED;
      state = State.ENDED;
      endNote = note;
    }
    promise.tryFail(reason);
    // Not started yet: out of the lane's queue and finished now. Granted a permit meanwhile: the
    // thread it went to finds it ended and finishes it.
    if (queued && lane.withdraw(this)) {
      hostLog.accept(note + " before it started");
      finish();
    }
  }

  private void finish() {
    if (finished.compareAndSet(false, true)) {
      RequestTimeouts.Entry t = timeoutEntry;
      if (t != null) {
        t.clear();
      }
      finishHooks.forEach(Runnable::run);
    }
  }

  private static String detail(WasmException failure) {
    Throwable cause = failure.getCause();
    return cause == null ? "" : " (" + cause + ")";
  }
}
