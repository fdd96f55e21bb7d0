package dev.skiff.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RetryBudgetTest {
  private static final long S = 1_000_000_000L;
  private final AtomicLong now = new AtomicLong(100 * S);

  @Test
  void allowsTwentyPercentOfRequestsPlusTheMinimumReserve() {
    RetryBudget budget = new RetryBudget(now::get);
    for (int i = 0; i < 1000; i++) {
      budget.deposit();
    }
    int granted = 0;
    while (budget.tryWithdraw()) {
      granted++;
    }
    assertEquals(200 + RetryBudget.MIN_PER_SECOND * RetryBudget.WINDOW_SECONDS, granted);
    assertFalse(budget.tryWithdraw());
  }

  @Test
  void theWindowSlidesSoOldRequestsAndRetriesExpire() {
    RetryBudget budget = new RetryBudget(now::get);
    for (int i = 0; i < 1000; i++) {
      budget.deposit();
    }
    while (budget.tryWithdraw()) {
      // spend it all
    }
    now.addAndGet(RetryBudget.WINDOW_SECONDS * S);
    assertTrue(budget.tryWithdraw(), "the reserve is back once the window has passed");
  }
}
