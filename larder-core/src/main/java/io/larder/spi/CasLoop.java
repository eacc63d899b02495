package io.larder.spi;

import io.larder.CacheException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;

/**
 * The one read-modify-write retry loop: read with a version, compute, write if unchanged,
 * and on a conflict back off (a few spins, then parks of a random, growing length up to about
 * 2 ms) and try again, up to {@link #MAX_ATTEMPTS} times. Used by the {@link Store} defaults,
 * by stores that emulate an operation with their own compare-and-set, and by
 * {@code Cache.update}.
 *
 * <pre>{@code
 * long next = CasLoop.run("incr of key '" + key + "'", () -> {
 *   StoredValue read = store.getVersioned(key);
 *   long value = read == null ? delta : Counters.add(key, Counters.parse(key, read.bytes()), delta);
 *   return store.compareAndSet(key, read, Counters.format(value), ttlMillis) ? value : null;
 * });
 * }</pre>
 */
public final class CasLoop {
  /** How many conflicting writes a loop tolerates before it gives up. */
  public static final int MAX_ATTEMPTS = 10_000;

  private CasLoop() {}

  /**
   * One attempt of a loop.
   *
   * @param <T> the result type
   */
  @FunctionalInterface
  public interface Attempt<T> {
    /**
     * Reads, computes and tries to write once.
     *
     * @return the result, or {@code null} if the write lost to another writer and should be
     *     tried again
     */
    T tryOnce();
  }

  /**
   * Runs attempts until one returns a result.
   *
   * @param what the operation, for messages ({@code "incr of key 'hits'"})
   * @param attempt one read-modify-write attempt
   * @param <T> the result type
   * @return the first non-null result
   * @throws CacheException if the thread is interrupted (the flag stays set) or
   *     {@link #MAX_ATTEMPTS} attempts all conflicted
   */
  public static <T> T run(String what, Attempt<T> attempt) {
    return run(what, attempt, MAX_ATTEMPTS);
  }

  /** {@link #run(String, Attempt)} with another limit, for tests. */
  static <T> T run(String what, Attempt<T> attempt, int maxAttempts) {
    for (int n = 0; n < maxAttempts; n++) {
      if (Thread.currentThread().isInterrupted()) {
        throw new CacheException(what + " interrupted");
      }
      T result = attempt.tryOnce();
      if (result != null) {
        return result;
      }
      backoff(n);
    }
    throw new CacheException(what + " gave up after " + maxAttempts + " conflicting writes");
  }

  /**
   * Waits before attempt {@code attempt + 1}: spins for the first few, then parks for a random
   * time that doubles with each attempt, up to about 2 ms.
   *
   * @param attempt the number of the attempt that just conflicted, from 0
   */
  public static void backoff(int attempt) {
    if (attempt < 4) {
      Thread.onSpinWait();
      return;
    }
    LockSupport.parkNanos(parkNanos(attempt, ThreadLocalRandom.current().nextDouble()));
  }

  /**
   * How long {@link #backoff} parks after a conflicting attempt: a pure function for tests.
   *
   * @param attempt the attempt that conflicted, from 0
   * @param random a number in {@code [0, 1)}
   * @return nanoseconds, between half and all of {@code 1 µs × 2^min(attempt, 11)}
   */
  static long parkNanos(int attempt, double random) {
    long max = 1_000L << Math.min(attempt, 11);
    return max / 2 + (long) (random * (max / 2 + 1));
  }
}
