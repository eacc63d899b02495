package io.larder.testkit;

import io.larder.CacheTimeoutException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Makes a call that a test needs answered on a store with a short timeout (one set for other
 * calls of the test, which are meant to time out), again while it times out, for up to 30 s: a
 * loaded machine can hold any call past a few hundred milliseconds. What such a test checks is
 * the answer that comes, which a late reply taken for it would get wrong; only a timeout is
 * retried, any other failure is thrown at once. Attempts are 10 ms apart; the timeout that
 * ends them carries the number of attempts as a suppressed exception.
 *
 * <pre>{@code
 * assertThat(Answered.call(() -> cache.get("k", String.class))).isEqualTo("v");
 * }</pre>
 */
public final class Answered {
  private static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(30);
  private static final long PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  private Answered() {}

  /**
   * Runs a call that returns nothing until it does not time out.
   *
   * @param call the call
   * @throws CacheTimeoutException if it still times out after 30 s
   */
  public static void run(Runnable call) {
    call(() -> {
      call.run();
      return null;
    });
  }

  /**
   * Makes a call until it does not time out.
   *
   * @param call the call; a {@link CompletionException} caused by a timeout (an asynchronous
   *     call's {@code join()}) counts as a timeout
   * @param <T> the answer
   * @return its answer
   * @throws CacheTimeoutException if it still times out after 30 s
   */
  public static <T> T call(Supplier<T> call) {
    return call(call, new AtomicInteger());
  }

  /**
   * Makes a call until it does not time out, counting the attempts.
   *
   * @param call the call
   * @param attempts counts the calls made, for a test that counts what reached the server
   * @param <T> the answer
   * @return its answer
   * @throws CacheTimeoutException if it still times out after 30 s
   */
  public static <T> T call(Supplier<T> call, AtomicInteger attempts) {
    long deadline = System.nanoTime() + GIVE_UP_NANOS;
    while (true) {
      attempts.incrementAndGet();
      try {
        return call.get();
      } catch (CacheTimeoutException | CompletionException e) {
        boolean timedOut = e instanceof CacheTimeoutException
            || e.getCause() instanceof CacheTimeoutException;
        if (!timedOut) {
          throw e;
        }
        if (System.nanoTime() - deadline > 0) {
          e.addSuppressed(new AssertionError("still timing out after " + attempts.get()
              + " attempts in 30 s"));
          throw e;
        }
      }
      // a timeout thrown at once (a connection failing its pending calls) must not spin hot
      LockSupport.parkNanos(PAUSE_NANOS);
    }
  }
}
