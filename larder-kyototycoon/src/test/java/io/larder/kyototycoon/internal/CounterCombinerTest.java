package io.larder.kyototycoon.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.CacheCodecException;
import io.larder.CacheConnectionException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Counters over compare-and-set: exact under contention, one write per batch of concurrent
 * increments, and each increment judged alone within its batch.
 */
class CounterCombinerTest {

  /** A map behind compare-and-set, counting writes; {@code beforeRead} may stall reads. */
  private static final class FakeBackend implements CounterCombiner.Backend {
    final Map<String, byte[]> values = new HashMap<>();
    final Map<String, Long> ttls = new HashMap<>();
    final AtomicInteger writes = new AtomicInteger();
    volatile Runnable beforeRead = () -> { };
    volatile Runnable afterRead = () -> { };

    @Override
    public synchronized CounterCombiner.Current read(String key) {
      beforeRead.run();
      byte[] v = values.get(key);
      afterRead.run();
      return v == null ? null : new CounterCombiner.Current(v, v);
    }

    @Override
    public synchronized boolean create(String key, byte[] value, long ttlMillis) {
      writes.incrementAndGet();
      if (values.containsKey(key)) {
        return false;
      }
      values.put(key, value);
      ttls.put(key, ttlMillis);
      return true;
    }

    @Override
    public synchronized boolean replace(String key, CounterCombiner.Current expected,
        byte[] value) {
      writes.incrementAndGet();
      if (values.get(key) != expected.token()) {
        return false;
      }
      values.put(key, value);
      return true;
    }

    synchronized String text(String key) {
      byte[] v = values.get(key);
      return v == null ? null : new String(v, StandardCharsets.US_ASCII);
    }
  }

  @Test
  void aCounterIsCreatedWithTheFirstTtlAndAddsUp() {
    FakeBackend backend = new FakeBackend();
    CounterCombiner c = new CounterCombiner(backend, 4, 100);
    assertThat(c.incr("n", -3, 5_000)).isEqualTo(-3);
    assertThat(c.incr("n", 10, 9_000)).isEqualTo(7);
    assertThat(backend.text("n")).isEqualTo("7");
    assertThat(backend.ttls).containsEntry("n", 5_000L);
  }

  @Test
  void textAndOverflowFailAndLeaveTheValue() {
    FakeBackend backend = new FakeBackend();
    backend.values.put("t", "hello".getBytes(StandardCharsets.US_ASCII));
    backend.values.put("max", Long.toString(Long.MAX_VALUE).getBytes(StandardCharsets.US_ASCII));
    CounterCombiner c = new CounterCombiner(backend, 4, 100);
    assertThatThrownBy(() -> c.incr("t", 1, 0)).isInstanceOf(CacheCodecException.class);
    assertThatThrownBy(() -> c.incr("max", 1, 0)).isInstanceOf(CacheCodecException.class);
    assertThat(backend.text("t")).isEqualTo("hello");
    assertThat(backend.text("max")).isEqualTo(Long.toString(Long.MAX_VALUE));
    assertThat(backend.writes).as("nothing written").hasValue(0);
  }

  @Test
  void aStoreFailureReachesTheCaller() {
    FakeBackend backend = new FakeBackend();
    backend.beforeRead = () -> {
      throw new CacheConnectionException("down");
    };
    CounterCombiner c = new CounterCombiner(backend, 4, 100);
    assertThatThrownBy(() -> c.incr("n", 1, 0)).isInstanceOf(CacheConnectionException.class)
        .hasMessage("down").hasCauseInstanceOf(CacheConnectionException.class);
  }

  @Test
  void concurrentIncrementsLoseNothingAndEachCallerGetsItsOwnValue() throws Exception {
    FakeBackend backend = new FakeBackend();
    CounterCombiner c = new CounterCombiner(backend, 4, 100);
    int threads = 8;
    int each = 200;
    List<Long> seen = inParallel(threads, () -> {
      List<Long> mine = new ArrayList<>();
      for (int i = 0; i < each; i++) {
        mine.add(c.incr("hits", 1, 0));
      }
      assertThat(mine).isSorted();
      return mine;
    });
    assertThat(backend.text("hits")).isEqualTo(Integer.toString(threads * each));
    Set<Long> distinct = new HashSet<>(seen);
    assertThat(distinct).as("every value from 1 to the total, once").hasSize(threads * each)
        .allMatch(v -> v >= 1 && v <= threads * each);
  }

  @Test
  void incrementsQueuedBehindARoundTripAreWrittenInOneBatch() throws Exception {
    FakeBackend backend = new FakeBackend();
    CountDownLatch stalled = new CountDownLatch(1);
    CountDownLatch resume = new CountDownLatch(1);
    AtomicInteger reads = new AtomicInteger();
    backend.beforeRead = () -> {
      if (reads.getAndIncrement() == 0) {
        stalled.countDown();
        await(resume);
      }
    };
    CounterCombiner c = new CounterCombiner(backend, 1, 100);
    int queued = 7;
    ExecutorService pool = Executors.newFixedThreadPool(queued + 1);
    try {
      Future<Long> first = pool.submit(() -> c.incr("hits", 1, 0)); // leads, stalls reading
      assertThat(stalled.await(10, TimeUnit.SECONDS)).isTrue();
      List<Thread> waiting = new CopyOnWriteArrayList<>();
      List<Future<Long>> others = new ArrayList<>();
      for (int i = 0; i < queued; i++) {
        others.add(pool.submit(() -> {
          waiting.add(Thread.currentThread());
          return c.incr("hits", 1, 0);
        }));
      }
      awaitParked(waiting, queued);
      resume.countDown();
      assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(1);
      Set<Long> values = new HashSet<>();
      for (Future<Long> f : others) {
        values.add(f.get(10, TimeUnit.SECONDS));
      }
      assertThat(values).as("each queued caller its own value").containsExactlyInAnyOrder(
          2L, 3L, 4L, 5L, 6L, 7L, 8L);
      assertThat(backend.text("hits")).isEqualTo("8");
      assertThat(reads).as("the leader's read, then one for the whole queue").hasValue(2);
      assertThat(backend.writes).as("the leader's write, then one for the whole queue")
          .hasValue(2);
    } finally {
      resume.countDown();
      pool.shutdownNow();
    }
  }

  @Test
  void anotherWriterMakesTheBatchRetryAndNothingIsLost() throws Exception {
    FakeBackend backend = new FakeBackend();
    AtomicInteger reads = new AtomicInteger();
    backend.afterRead = () -> {
      if (reads.incrementAndGet() % 3 == 0) {
        // another process increments between this read and the write that follows
        byte[] v = backend.values.get("n");
        long n = v == null ? 0 : Long.parseLong(new String(v, StandardCharsets.US_ASCII));
        backend.values.put("n", Long.toString(n + 1000).getBytes(StandardCharsets.US_ASCII));
      }
    };
    CounterCombiner c = new CounterCombiner(backend, 4, 10_000);
    inParallel(4, () -> {
      for (int i = 0; i < 50; i++) {
        c.incr("n", 1, 0);
      }
      return List.of();
    });
    backend.afterRead = () -> { };
    long foreign = (reads.get() / 3) * 1000L;
    assertThat(Long.parseLong(backend.text("n")) - foreign).isEqualTo(200);
  }

  @Test
  void withinABatchAnOverflowFailsOnlyItsOwnIncrement() throws Exception {
    FakeBackend backend = new FakeBackend();
    backend.values.put("n", Long.toString(Long.MAX_VALUE - 1).getBytes(StandardCharsets.US_ASCII));
    CountDownLatch stalled = new CountDownLatch(1);
    CountDownLatch resume = new CountDownLatch(1);
    AtomicInteger reads = new AtomicInteger();
    backend.beforeRead = () -> {
      if (reads.getAndIncrement() == 0) {
        stalled.countDown();
        await(resume);
      }
    };
    CounterCombiner c = new CounterCombiner(backend, 1, 100);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      Future<Long> first = pool.submit(() -> c.incr("n", 0, 0)); // leads, and stalls reading
      assertThat(stalled.await(10, TimeUnit.SECONDS)).isTrue();
      List<Thread> waiting = new CopyOnWriteArrayList<>();
      Future<Long> one = pool.submit(() -> {
        waiting.add(Thread.currentThread());
        return c.incr("n", 1, 0);
      });
      Future<Long> two = pool.submit(() -> {
        waiting.add(Thread.currentThread());
        return c.incr("n", 1, 0);
      });
      awaitParked(waiting, 2);
      resume.countDown();
      assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(Long.MAX_VALUE - 1);
      List<Object> outcomes = new ArrayList<>();
      for (Future<Long> f : List.of(one, two)) {
        try {
          outcomes.add(f.get(10, TimeUnit.SECONDS));
        } catch (java.util.concurrent.ExecutionException e) {
          outcomes.add(e.getCause().getClass());
        }
      }
      assertThat(outcomes).containsExactlyInAnyOrder(Long.MAX_VALUE, CacheCodecException.class);
      assertThat(backend.text("n")).isEqualTo(Long.toString(Long.MAX_VALUE));
      assertThat(reads).as("the two queued increments were one batch").hasValue(2);
    } finally {
      resume.countDown();
      pool.shutdownNow();
    }
  }

  /** Waits, yielding, until {@code count} threads are parked in the combiner's queue. */
  private static void awaitParked(List<Thread> threads, int count) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (threads.size() == count && threads.stream().allMatch(
          t -> t.getState() == Thread.State.WAITING)) {
        return;
      }
      Thread.yield();
    }
    throw new AssertionError("the increments did not queue");
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private interface Task {
    List<Long> run() throws Exception;
  }

  private static List<Long> inParallel(int threads, Task task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<List<Long>>> futures = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        futures.add(pool.submit(() -> {
          start.await();
          return task.run();
        }));
      }
      start.countDown();
      List<Long> all = new ArrayList<>();
      for (Future<List<Long>> f : futures) {
        all.addAll(f.get(1, TimeUnit.MINUTES));
      }
      return all;
    } finally {
      pool.shutdownNow();
    }
  }
}
