package io.larder.testkit;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits for something a server or a background watch makes true by itself, such as a pushed
 * invalidation landing: polls a condition, never a fixed sleep, and fails after 30 seconds
 * (what it waits for takes milliseconds; the bound is for a loaded machine, where a background
 * thread may wait seconds for a core).
 *
 * <pre>{@code
 * Eventually.await("the push", () -> cache.nearStats().invalidations() > before);
 * }</pre>
 */
public final class Eventually {
  private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(30);

  private Eventually() {}

  /**
   * Polls {@code done} every 200 µs until it is true.
   *
   * @param what what is awaited, for the failure message
   * @param done the condition
   * @throws AssertionError if it is still false after 30 seconds
   */
  public static void await(String what, BooleanSupplier done) {
    long deadline = System.nanoTime() + GIVE_UP_NANOS;
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting until " + what);
      }
      LockSupport.parkNanos(200_000);
    }
  }
}
