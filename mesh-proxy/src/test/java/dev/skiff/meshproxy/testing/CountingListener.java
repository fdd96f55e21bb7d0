package dev.skiff.meshproxy.testing;

import dev.skiff.meshproxy.RequestListener;
import java.util.concurrent.atomic.AtomicInteger;

/** A request listener that counts what it is told, for tests to read from any thread. */
public final class CountingListener implements RequestListener {
  private final AtomicInteger entered = new AtomicInteger();
  private final AtomicInteger left = new AtomicInteger();

  @Override
  public void entered(boolean proxied) {
    entered.incrementAndGet();
  }

  @Override
  public void left(boolean proxied) {
    left.incrementAndGet();
  }

  /** Requests that entered so far. */
  public int entered() {
    return entered.get();
  }

  /** Requests that left so far. */
  public int left() {
    return left.get();
  }
}
