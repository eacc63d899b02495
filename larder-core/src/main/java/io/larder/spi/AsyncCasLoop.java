package io.larder.spi;

import io.larder.CacheException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@link CasLoop} without a blocked thread: each attempt is a future, and a conflicting one is
 * tried again after the same back-off, waited for by a delayed executor rather than a parked
 * thread. Used by the {@link AsyncStore} defaults and by the asynchronous {@code update}.
 */
public final class AsyncCasLoop {
  private AsyncCasLoop() {}

  /**
   * Runs attempts until one completes with a non-null result.
   *
   * @param what the operation, for messages ({@code "incr of key 'hits'"})
   * @param attempt one read-modify-write attempt; its future holds the result, or
   *     {@code null} if the write lost to another writer and should be tried again
   * @param <T> the result type
   * @return the first non-null result; completes exceptionally with what an attempt failed
   *     with, or with a {@link CacheException} after {@link CasLoop#MAX_ATTEMPTS} conflicts
   */
  public static <T> CompletableFuture<T> run(String what,
      Supplier<? extends CompletionStage<T>> attempt) {
    CompletableFuture<T> result = new CompletableFuture<>();
    next(what, attempt, 0, result);
    return result;
  }

  private static <T> void next(String what, Supplier<? extends CompletionStage<T>> attempt,
      int n, CompletableFuture<T> result) {
    if (n >= CasLoop.MAX_ATTEMPTS) {
      result.completeExceptionally(new CacheException(
          what + " gave up after " + CasLoop.MAX_ATTEMPTS + " conflicting writes"));
      return;
    }
    CompletionStage<T> stage;
    try {
      stage = attempt.get();
    } catch (RuntimeException e) {
      result.completeExceptionally(e);
      return;
    }
    stage.whenComplete((value, failure) -> {
      if (failure != null) {
        result.completeExceptionally(failure);
      } else if (value != null) {
        result.complete(value);
      } else {
        retryLater(n).execute(() -> next(what, attempt, n + 1, result));
      }
    });
  }

  private static Executor retryLater(int attempt) {
    if (attempt < 4) {
      return Runnable::run;
    }
    long nanos = CasLoop.parkNanos(attempt, ThreadLocalRandom.current().nextDouble());
    return CompletableFuture.delayedExecutor(nanos, TimeUnit.NANOSECONDS);
  }
}
