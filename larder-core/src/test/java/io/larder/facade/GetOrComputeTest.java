package io.larder.facade;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Admission;
import io.larder.Cache;
import io.larder.Freshness;
import io.larder.Larder;
import io.larder.spi.ForwardingStore;
import io.larder.spi.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * getOrCompute's single flight within one JVM and stale-while-revalidate, on the memory store.
 * The loader returns only once every other caller is parked waiting for it, so exactly one
 * computation proves single flight (late callers cannot read a stored value instead). Moved
 * from the store contract, which keeps the leases that go through the store.
 */
class GetOrComputeTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final CountDownLatch refreshWritten = new CountDownLatch(1);
  private volatile boolean watchWrites;
  private final MemoryCaches caches = new MemoryCaches(store -> new ForwardingStore(store) {
    @Override
    public void set(String key, byte[] value, long ttlMillis) {
      super.set(key, value, ttlMillis);
      written();
    }

    @Override
    public void setMany(Map<String, byte[]> entries, long ttlMillis) {
      super.setMany(entries, ttlMillis);
      written();
    }

    @Override
    public boolean compareAndSet(String key, io.larder.spi.StoredValue expected, byte[] value,
        long ttlMillis) {
      boolean done = super.compareAndSet(key, expected, value, ttlMillis);
      written();
      return done;
    }
  });
  private final Cache cache = caches.cache("compute");

  private void written() {
    if (watchWrites) {
      refreshWritten.countDown();
    }
  }

  @AfterEach
  void close() {
    caches.close();
  }

  @Test
  void getOrComputeRunsTheLoaderExactlyOnceFor64ThreadsOnAColdKey() throws Exception {
    int callers = 64;
    AtomicInteger calls = new AtomicInteger();
    List<Thread> threads = new CopyOnWriteArrayList<>();
    List<String> results = run(callers, threads, () -> cache.getOrCompute("cold", String.class,
        Duration.ofSeconds(60), () -> {
          calls.incrementAndGet();
          awaitOthersWaiting(threads, callers);
          return "computed";
        }));
    assertThat(calls).as("loader runs for callers that all waited for one").hasValue(1);
    assertThat(results).hasSize(callers).containsOnly("computed");
    assertThat(cache.get("cold", String.class)).isEqualTo("computed");
  }

  @Test
  void aValueAdmissionRejectsIsStillComputedOnceForAllWaitersAndNotStored() throws Exception {
    Cache admitting = caches.open(Larder.builder().prefix("admit").admission(Admission.sketch()));
    int callers = 16;
    AtomicInteger calls = new AtomicInteger();
    List<Thread> threads = new CopyOnWriteArrayList<>();
    List<String> results = run(callers, threads, () -> admitting.getOrCompute("once",
        String.class, Duration.ofSeconds(60), () -> {
          calls.incrementAndGet();
          awaitOthersWaiting(threads, callers);
          return "computed";
        }));
    assertThat(calls).as("single flight holds for a rejected value").hasValue(1);
    assertThat(results).hasSize(callers).containsOnly("computed");
    assertThat(admitting.exists("once")).as("a first miss is not stored").isFalse();
    assertThat(admitting.admissionStats().rejected()).isEqualTo(1);
  }

  @Test
  void aLoaderExceptionReachesEveryWaiterAndNothingIsCached() throws Exception {
    int callers = 32;
    AtomicInteger calls = new AtomicInteger();
    List<Thread> threads = new CopyOnWriteArrayList<>();
    List<String> outcomes = run(callers, threads, () -> {
      try {
        return cache.getOrCompute("failing", String.class, Duration.ofSeconds(60), () -> {
          calls.incrementAndGet();
          awaitOthersWaiting(threads, callers);
          throw new IllegalStateException("database down");
        });
      } catch (IllegalStateException e) {
        return e.getMessage();
      }
    });
    assertThat(outcomes).hasSize(callers).containsOnly("database down");
    assertThat(calls).as("one computation for callers that all waited for it").hasValue(1);
    assertThat(cache.exists("failing")).isFalse();
    assertThat(cache.getOrCompute("failing", String.class, Duration.ofSeconds(60), () -> "fine"))
        .isEqualTo("fine");
  }

  @Test
  void staleWhileRevalidateAnswersAtOnceAndRefreshesOnce() throws Exception {
    Freshness f = Freshness.of(Duration.ofSeconds(2)).staleFor(Duration.ofSeconds(20))
        .earlyRecompute(0);
    cache.getOrCompute("page", String.class, f, () -> "old");
    caches.elapse(Duration.ofSeconds(3));
    AtomicInteger refreshes = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    List<String> seen = run(8, new CopyOnWriteArrayList<>(), () -> cache.getOrCompute("page",
        String.class, f, () -> {
          refreshes.incrementAndGet();
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return "new";
        }));
    assertThat(seen).as("callers during the refresh get the old value at once").containsOnly("old");
    watchWrites = true;
    release.countDown();
    assertThat(refreshWritten.await(30, TimeUnit.SECONDS)).as("the refresh wrote").isTrue();
    assertThat(cache.get("page", String.class)).isEqualTo("new");
    assertThat(refreshes).hasValue(1);
  }

  /** A call that may throw. */
  private interface Call<T> {
    T call() throws Exception;
  }

  /** Runs {@code call} on {@code n} threads (recorded in {@code threads}), returns the results. */
  private static <T> List<T> run(int n, List<Thread> threads, Call<T> call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n, r -> {
      Thread t = new Thread(r);
      t.setDaemon(true);
      threads.add(t);
      return t;
    });
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        futures.add(pool.submit(call::call));
      }
      List<T> results = new ArrayList<>();
      for (Future<T> f : futures) {
        try {
          results.add(f.get(60, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
          throw e.getCause() instanceof Exception ex ? ex : e;
        }
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Returns once {@code count} threads exist and all but this one are parked, twice in a row:
   * inside the single flight, since nothing else blocks them. Yields, never sleeps. (The
   * testkit's CallerThreads does the same; core's tests cannot depend on the testkit.)
   */
  private static void awaitOthersWaiting(List<Thread> threads, int count) {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    int stable = 0;
    while (stable < 2) {
      boolean all = threads.size() >= count;
      for (Thread t : threads) {
        Thread.State s = t.getState();
        all &= t == Thread.currentThread() || s == Thread.State.WAITING
            || s == Thread.State.TIMED_WAITING;
      }
      stable = all ? stable + 1 : 0;
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the other callers never all waited for the loader");
      }
      Thread.yield();
    }
  }
}
