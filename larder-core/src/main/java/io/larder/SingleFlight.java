package io.larder;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One computation per key in this JVM at a time, shared by the synchronous {@link Loader} and
 * the asynchronous {@link AsyncLoader} of one cache, so that a key is computed once whichever
 * API asked: the computations in flight by store key (each a future of its {@link Entry},
 * which a blocking caller waits on and an asynchronous one composes with).
 *
 * <p>It also remembers when each recently computed key's computation finished. A caller reads
 * a key, finds it missing (or stale), and registers as the one to compute it; if the
 * computation it could have waited for finished between its read and its registration, its
 * read was older than that computation's write, and it would compute a second time. So a
 * caller takes a {@link #stamp()} before it reads and, once registered, asks {@link #since}
 * whether its key's computation finished after the stamp; then it reads again (a miss) or
 * gives up its registration (a refresh, {@link #raced}) instead of computing. A leader records
 * the finish as it unregisters ({@link #finished}). Bounded: a key pushed out by 16,384 later
 * finishes is no longer known, and a caller that raced it computes again.
 */
final class SingleFlight {
  private static final int KEYS = 16_384;

  private final ConcurrentMap<String, CompletableFuture<Entry<?>>> inflight =
      new ConcurrentHashMap<>();
  private final AtomicLong finishes = new AtomicLong();
  private final Cache<String, Long> finishedAt =
      Caffeine.newBuilder().maximumSize(KEYS).executor(Runnable::run).build();

  /** Returns a stamp to take before reading a key. */
  long stamp() {
    return finishes.get();
  }

  /** Tells whether a computation of {@code key} finished after {@code stamp} was taken. */
  boolean since(String key, long stamp) {
    Long finished = finishedAt.getIfPresent(key);
    return finished != null && finished > stamp;
  }

  /**
   * Registers {@code mine} as the computation of {@code key}, unless one is in flight.
   *
   * @return the computation in flight, or {@code null} if {@code mine} is registered now
   */
  CompletableFuture<Entry<?>> register(String key, CompletableFuture<Entry<?>> mine) {
    return inflight.putIfAbsent(key, mine);
  }

  /** Unregisters {@code mine} if it is still registered; tells whether it was. */
  boolean remove(String key, CompletableFuture<Entry<?>> mine) {
    return inflight.remove(key, mine);
  }

  /** Unregisters {@code mine}, answering the callers that joined it with {@code answer}. */
  void unregister(String key, CompletableFuture<Entry<?>> mine, Entry<?> answer) {
    inflight.remove(key, mine);
    mine.complete(answer);
  }

  /**
   * Whether a refresh registered as {@code mine} would repeat one that finished after this
   * caller's read: then it unregisters, answering any caller that joined with {@code cached}.
   */
  boolean raced(String key, long stamp, CompletableFuture<Entry<?>> mine, Entry<?> cached) {
    if (!since(key, stamp)) {
      return false;
    }
    unregister(key, mine, cached);
    return true;
  }

  /** Records that the computation {@code mine} of {@code key} finished, and unregisters it. */
  void finished(String key, CompletableFuture<Entry<?>> mine) {
    finishedAt.put(key, finishes.incrementAndGet());
    inflight.remove(key, mine);
  }
}
