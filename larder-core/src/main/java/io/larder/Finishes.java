package io.larder;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When each recently computed key's computation finished, for the loaders' single flight.
 * A caller reads a key, finds it missing (or stale), and registers as the one to compute it;
 * if the computation it could have waited for finished between its read and its
 * registration, its read was older than that computation's write, and it would compute a
 * second time. So a caller takes a {@link #stamp()} before it reads and, once registered,
 * asks {@link #since} whether its key's computation finished after the stamp; then it reads
 * again instead of computing. A leader records {@link #finished} before it unregisters.
 *
 * <p>Bounded: a key pushed out by 16,384 later finishes is no longer known, and a caller that
 * raced it computes again, as it would without this record.
 */
final class Finishes {
  private static final int KEYS = 16_384;

  private final AtomicLong count = new AtomicLong();
  private final Cache<String, Long> at =
      Caffeine.newBuilder().maximumSize(KEYS).executor(Runnable::run).build();

  /** Returns a stamp to take before reading a key. */
  long stamp() {
    return count.get();
  }

  /** Records that a computation of {@code key} finished; call before unregistering it. */
  void finished(String key) {
    at.put(key, count.incrementAndGet());
  }

  /** Tells whether a computation of {@code key} finished after {@code stamp} was taken. */
  boolean since(String key, long stamp) {
    Long finished = at.getIfPresent(key);
    return finished != null && finished > stamp;
  }
}
