package io.larder;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The process-wide bound on bytes being inflated at once, so that many threads reading large
 * compressed values together cannot exhaust the heap: a quarter of the maximum heap, but never
 * less than {@link Envelope#MAX_INFLATED} (one value of the largest size can always inflate)
 * nor more than 1 GiB. A read that finds the budget spent waits up to {@link #WAIT_MILLIS}
 * for others to finish, then fails as a decode error.
 */
final class InflationBudget {
  /** How long a read waits for budget before it counts as a decode error. */
  static final long WAIT_MILLIS = 200;

  static final int BYTES = (int) Math.min(1L << 30,
      Math.max(Envelope.MAX_INFLATED, Runtime.getRuntime().maxMemory() / 4));

  private static final Semaphore PERMITS = new Semaphore(BYTES, true);

  private InflationBudget() {}

  /**
   * Takes {@code bytes} of the budget, waiting briefly if it is spent.
   *
   * @throws CacheCodecException if the budget stays spent, or the thread is interrupted
   *     (its interrupt flag stays set)
   */
  static void acquire(int bytes) {
    try {
      if (!PERMITS.tryAcquire(bytes, WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
        throw new CacheCodecException("inflation budget of " + BYTES
            + " bytes spent by other reads; value of " + bytes + " bytes not inflated");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CacheCodecException("interrupted waiting to inflate a value", e);
    }
  }

  /** Gives back what {@link #acquire} took. */
  static void release(int bytes) {
    PERMITS.release(bytes);
  }
}
