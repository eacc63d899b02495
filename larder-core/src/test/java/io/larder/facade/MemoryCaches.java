package io.larder.facade;

import io.larder.Cache;
import io.larder.Larder;
import io.larder.Stores;
import io.larder.spi.Store;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A memory store and fail-closed caches over it, all on one clock the test moves: the ground
 * the facade's own tests stand on (the store contract covers what depends on a store).
 */
final class MemoryCaches implements AutoCloseable {
  private final AtomicLong now = new AtomicLong(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
  /** The clock of the store and of every cache. */
  final InstantSource clock = () -> Instant.ofEpochMilli(now.get());
  /** The store under every cache. */
  final Store store;
  private final List<Cache> opened = new ArrayList<>();

  MemoryCaches() {
    this(s -> s);
  }

  /** Wraps the memory store in {@code decorate}, to watch what reaches it. */
  MemoryCaches(java.util.function.UnaryOperator<Store> decorate) {
    store = decorate.apply(Stores.memoryBuilder().clock(clock).build());
  }

  /** Opens a fail-closed cache over the store, under a prefix, on the clock. */
  Cache cache(String prefix) {
    return open(Larder.builder().prefix(prefix));
  }

  /** Opens a cache with these options over the store, fail-closed, on the clock. */
  Cache open(Larder.Builder builder) {
    Cache c = builder.store(store).clock(clock).failOpen(false).build();
    opened.add(c);
    return c;
  }

  /** Moves the clock on. */
  void elapse(Duration d) {
    now.addAndGet(d.toMillis());
  }

  /** Runs a task on a thread of its own (no scope of the caller's) and returns its result. */
  static <T> T onAnotherThread(java.util.concurrent.Callable<T> task) throws Exception {
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      return pool.submit(task).get(30, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
  }

  @Override
  public void close() {
    opened.forEach(Cache::close);
    store.close();
  }
}
