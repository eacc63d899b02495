package io.larder;

import io.larder.internal.MemoryStore;
import io.larder.internal.NoneStore;
import io.larder.spi.AsyncStore;
import io.larder.spi.Store;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * How {@link AsyncCache} reaches the store: the asynchronous twin of {@link StoreCalls}, whose
 * failure policy (counting, logging, fail-open fallback, fail-closed rethrow) it applies to
 * futures. It also owns the executor on which completions and blocking calls run.
 *
 * <p>Three ways to run a call: a store kept in this process ({@code mem:}, {@code none:})
 * is called at once on the caller's thread ({@link #offload}, which is then not an offload);
 * an {@link AsyncStore} is called natively ({@link #call}) and the rest of the work runs on
 * the executor ({@link #then}); any other store is called on the executor
 * ({@link #offload}), which bounds how many of its calls block at once.
 */
final class AsyncCalls {
  /** Threads of the executor a cache makes when given none. */
  static final int DEFAULT_THREADS = 8;
  private static final AtomicInteger POOLS = new AtomicInteger();

  /**
   * How the builder configured the executor.
   *
   * @param executor the user's executor, borrowed and never shut down; or {@code null} for the
   *     cache's own
   * @param threads the size of the cache's own executor
   */
  record Setup(@Nullable Executor executor, int threads) {
    static final Setup DEFAULT = new Setup(null, DEFAULT_THREADS);

    Setup {
      if (threads < 1) {
        throw new IllegalArgumentException("option 'asyncThreads' must be at least 1, was "
            + threads);
      }
    }
  }

  private final StoreCalls calls;
  private final ScopedReads scoped;
  private final @Nullable AsyncStore store;
  private final boolean inProcess;
  private final Setup setup;
  private volatile @Nullable Executor executor;
  private @Nullable ThreadPoolExecutor own;

  AsyncCalls(Store store, StoreCalls calls, ScopedReads scoped, Setup setup) {
    this.calls = calls;
    this.scoped = scoped;
    this.store = store instanceof AsyncStore a ? a : null;
    this.inProcess = store instanceof MemoryStore || store instanceof NoneStore;
    this.setup = setup;
    this.executor = setup.executor();
  }

  /** The store's asynchronous face, or {@code null} if it has none. */
  @Nullable AsyncStore store() {
    return store;
  }

  /** The executor completions and blocking calls run on, made on first use. */
  Executor executor() {
    Executor e = executor;
    if (e == null) {
      synchronized (this) {
        e = executor;
        if (e == null) {
          calls.requireOpen();
          int pool = POOLS.incrementAndGet();
          AtomicInteger n = new AtomicInteger();
          ThreadFactory threads = r -> {
            Thread t = new Thread(r, "larder-async-" + pool + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
          };
          own = new ThreadPoolExecutor(setup.threads(), setup.threads(), 30, TimeUnit.SECONDS,
              new LinkedBlockingQueue<>(), threads);
          own.allowCoreThreadTimeOut(true);
          executor = e = own;
        }
      }
    }
    return e;
  }

  /** Stops the executor the cache made, if it made one; queued work still runs. */
  synchronized void close() {
    if (own != null) {
      own.shutdown();
    }
  }

  /**
   * Runs a synchronous engine call asynchronously: at once for a store in this process, else
   * on the executor. Either way the thread's preload scopes are out of sight.
   */
  <R> CompletableFuture<R> offload(Supplier<R> call) {
    calls.requireOpen();
    if (inProcess) {
      try {
        return CompletableFuture.completedFuture(scoped.outsideScopes(call));
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    CompletableFuture<R> result = new CompletableFuture<>();
    try {
      executor().execute(() -> {
        try {
          result.complete(scoped.outsideScopes(call));
        } catch (Throwable e) {
          result.completeExceptionally(e);
        }
      });
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(closed(e));
    }
    return result;
  }

  /**
   * Sends a native store call, counting the round trip. What the store throws before sending
   * comes back in the future, as its later failures do; {@link #outcome} judges both.
   */
  <R> CompletableFuture<R> call(StatsCounter stats, Function<AsyncStore, CompletableFuture<R>> call) {
    calls.requireOpen();
    stats.inc(StatsCounter.Kind.ROUND_TRIP);
    try {
      return call.apply(store);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Judges a native call's outcome by {@link StoreCalls#call}'s rules: its value, or on
   * failure the fallback (fail-open, counted and logged) or the {@link CacheException} thrown
   * (fail-closed). A {@link CacheCodecException} is the caller's and always thrown.
   */
  <R> R outcome(StatsCounter stats, String op, R value, @Nullable Throwable failure,
      R fallback) {
    if (failure == null) {
      return value;
    }
    Throwable cause = unwrap(failure);
    if (cause instanceof CacheCodecException codec) {
      throw codec;
    }
    if (cause instanceof CacheException e) {
      return calls.failed(stats, op, e, fallback);
    }
    if (cause instanceof RuntimeException e) {
      return calls.failed(stats, op,
          new CacheException("store " + calls.description() + " failed: " + e, e), fallback);
    }
    throw new CompletionException(cause);
  }

  /** Whether failures complete with a fallback rather than exceptionally. */
  boolean failOpen() {
    return calls.failOpen();
  }

  /**
   * Runs {@code next} with what {@code source} completed with, on the executor, and completes
   * the returned future with its result, or with what it threw (not wrapped): user code
   * attached to the result never runs on the store's I/O thread. For a store in this process
   * a future that is complete already goes on at once, on the calling thread.
   */
  <S, R> CompletableFuture<R> then(CompletableFuture<S> source,
      BiFunction<? super S, @Nullable Throwable, ? extends R> next) {
    CompletableFuture<R> result = new CompletableFuture<>();
    if (inProcess && source.isDone()) {
      S value = null;
      Throwable failure = null;
      try {
        value = source.join();
      } catch (RuntimeException e) {
        failure = e;
      }
      finish(result, next, value, failure);
      return result;
    }
    source.whenComplete((value, failure) -> {
      try {
        executor().execute(() -> finish(result, next, value, failure));
      } catch (RuntimeException e) {
        // the cache is closed; this may be the store's I/O thread, which must not run what
        // the caller attached, so the failure is handed to the one thread kept for that
        IllegalStateException closed = closed(e);
        AfterClose.THREAD.execute(() -> result.completeExceptionally(closed));
      }
    });
    return result;
  }

  /**
   * The thread that fails calls answered after their cache closed: one daemon thread for the
   * process, started when first needed and ended when idle, so closing a cache with thousands
   * of calls in flight starts no thread per call and waits for no shared pool.
   */
  private static final class AfterClose {
    static final ThreadPoolExecutor THREAD = new ThreadPoolExecutor(1, 1, 10, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, "larder-closed");
          t.setDaemon(true);
          return t;
        });

    static {
      THREAD.allowCoreThreadTimeOut(true);
    }
  }

  private static <S, R> void finish(CompletableFuture<R> result,
      BiFunction<? super S, @Nullable Throwable, ? extends R> next, S value,
      @Nullable Throwable failure) {
    try {
      result.complete(next.apply(value, failure));
    } catch (Throwable e) {
      result.completeExceptionally(unwrap(e));
    }
  }

  /**
   * Runs {@code next} on what {@code source} completed with normally, on the executor as
   * {@link #then} does, and completes the returned future as the future {@code next} returns
   * does; a failure of {@code source} or of {@code next} skips the rest, unwrapped.
   */
  <S, R> CompletableFuture<R> compose(CompletableFuture<S> source,
      Function<? super S, ? extends CompletableFuture<R>> next) {
    CompletableFuture<R> result = new CompletableFuture<>();
    then(source, (value, failure) -> {
      if (failure != null) {
        throw rethrow(failure);
      }
      return next.apply(value);
    }).whenComplete((inner, failure) -> {
      if (failure != null) {
        result.completeExceptionally(unwrap(failure));
      } else {
        relay(inner, result);
      }
    });
    return result;
  }

  /**
   * Maps what {@code source} completes with on the thread that completes it: only for
   * Larder's own cheap functions, never user code.
   */
  static <S, R> CompletableFuture<R> map(CompletableFuture<S> source,
      Function<? super S, ? extends R> fn) {
    CompletableFuture<R> result = new CompletableFuture<>();
    source.whenComplete((value, failure) -> {
      if (failure != null) {
        result.completeExceptionally(unwrap(failure));
        return;
      }
      try {
        result.complete(fn.apply(value));
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    });
    return result;
  }

  /** Completes {@code to} as {@code from} completes, with its failure unwrapped. */
  static <R> void relay(CompletableFuture<? extends R> from, CompletableFuture<R> to) {
    from.whenComplete((value, failure) -> {
      if (failure != null) {
        to.completeExceptionally(unwrap(failure));
      } else {
        to.complete(value);
      }
    });
  }

  /**
   * One store call by whichever way the store takes it: natively if it can, else the
   * blocking call through {@link StoreCalls#call} on the executor; with the failure policy
   * and the fallback either way.
   */
  <R> CompletableFuture<R> either(StatsCounter stats, String op,
      Function<AsyncStore, CompletableFuture<R>> nativeCall, Function<Store, R> blockingCall,
      R fallback) {
    if (store == null) {
      return offload(() -> calls.call(stats, op, blockingCall, fallback));
    }
    return then(call(stats, nativeCall),
        (value, failure) -> outcome(stats, op, value, failure, fallback));
  }

  private IllegalStateException closed(RuntimeException e) {
    return new IllegalStateException("cache " + calls.description() + " is closed", e);
  }

  /** What to throw for a future's failure: the failure its stages wrapped. */
  static RuntimeException rethrow(Throwable failure) {
    Throwable cause = unwrap(failure);
    return cause instanceof RuntimeException r ? r : new CompletionException(cause);
  }

  /** The failure a future's stages wrapped. */
  static Throwable unwrap(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
