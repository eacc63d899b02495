package io.larder;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@link CacheStats#timeSavedMillis()} is measured: each hit adds the compute time stored
 * with the value it read, and callers that waited for another caller's computation add
 * nothing.
 */
class TimeSavedTest {
  private static final int T = 25;

  /** A computation that takes at least {@link #T} ms, counting its runs. */
  private static String slow(AtomicInteger runs) {
    runs.incrementAndGet();
    try {
      Thread.sleep(T); // the cost of the computation, not a wait for another thread
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "v";
  }

  @Test
  void nHitsOfAValueThatTookTMillisecondsSaveNTimesT() {
    try (Cache cache = Larder.builder().store(Stores.memory()).build()) {
      AtomicInteger runs = new AtomicInteger();
      cache.getOrCompute("k", String.class, Duration.ofMinutes(1), () -> slow(runs));
      assertThat(cache.stats().timeSavedMillis()).as("a miss saves nothing").isZero();

      cache.get("k", String.class);
      long t = cache.stats().timeSavedMillis();
      assertThat(t).as("the compute time recorded with the value").isGreaterThanOrEqualTo(T);
      int n = 10;
      for (int i = 1; i < n; i++) {
        cache.getOrCompute("k", String.class, Duration.ofMinutes(1), () -> slow(runs));
      }
      assertThat(runs).hasValue(1);
      assertThat(cache.stats().hits()).isEqualTo(n);
      assertThat(cache.stats().timeSavedMillis()).isEqualTo(n * t);
    }
  }

  @Test
  void memoizedHitsSaveTheRecordedComputeTimeEach() {
    try (Cache cache = Larder.builder().store(Stores.memory()).build()) {
      AtomicInteger runs = new AtomicInteger();
      Memoized<Long, String> f = cache.memoize("f", Long.class, String.class,
          id -> slow(runs), Duration.ofMinutes(1));
      f.apply(1L);
      f.apply(1L);
      long t = cache.stats().timeSavedMillis();
      assertThat(t).isGreaterThanOrEqualTo(T);
      for (int i = 0; i < 4; i++) {
        f.apply(1L);
      }
      assertThat(runs).hasValue(1);
      assertThat(cache.stats().timeSavedMillis()).isEqualTo(5 * t);
    }
  }

  @Test
  void callersWaitingForAnotherCallersComputationSaveNothing() throws Exception {
    try (Cache cache = Larder.builder().store(Stores.memory()).build()) {
      CountDownLatch computing = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      AtomicInteger runs = new AtomicInteger();
      Runnable call = () -> cache.getOrCompute("k", String.class, Duration.ofMinutes(1), () -> {
        runs.incrementAndGet();
        computing.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return "v";
      });
      Thread leader = new Thread(call);
      leader.start();
      computing.await();
      List<Thread> waiters = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        Thread w = new Thread(call);
        w.start();
        waiters.add(w);
      }
      for (Thread w : waiters) {
        // parked on the leader's computation (single flight), not on a sleep of ours
        while (w.getState() != Thread.State.WAITING) {
          Thread.onSpinWait();
        }
      }
      release.countDown();
      leader.join();
      for (Thread w : waiters) {
        w.join();
      }
      assertThat(runs).hasValue(1);
      CacheStats stats = cache.stats();
      assertThat(stats.misses()).isEqualTo(4);
      assertThat(stats.hits()).isZero();
      assertThat(stats.timeSavedMillis()).as("waiting is not a saving").isZero();
    }
  }
}
