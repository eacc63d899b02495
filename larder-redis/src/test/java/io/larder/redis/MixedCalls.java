package io.larder.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.Cache;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Many threads making concurrent single-key and bulk calls, so that the store merges them, each
 * call checking that it got its own answer: a wrong reply handed to a caller fails it.
 */
final class MixedCalls {
  private static final int SHARED = 200;

  private MixedCalls() {}

  /**
   * Runs {@code threads} threads of {@code calls} rounds each: a read of a shared key (each
   * holding its own value), a write and read-back of a key only this thread writes (a value
   * no other call writes), every seventh round a delete of it that must report one key and
   * leave a miss, and every fifth round a {@code getMany} of shared keys and a {@code setMany}
   * read back with {@code getMany}.
   */
  static void run(Cache cache, int threads, int calls) throws Exception {
    Map<String, Object> shared = new LinkedHashMap<>();
    for (int i = 0; i < SHARED; i++) {
      shared.put("shared" + i, "shared value " + i);
    }
    cache.setMany(shared);
    List<Integer> checked = together(threads, thread -> {
      SplittableRandom random = new SplittableRandom(thread);
      int n = 0;
      for (int i = 0; i < calls; i++) {
        int s = random.nextInt(SHARED);
        assertThat(cache.get("shared" + s, String.class)).isEqualTo("shared value " + s);
        String own = "own" + thread + ":" + (i % 10);
        String value = "thread " + thread + " call " + i;
        cache.set(own, value);
        assertThat(cache.get(own, String.class)).isEqualTo(value);
        n += 2;
        if (i % 7 == 0) {
          assertThat(cache.delete(own)).as("%s deleted", own).isTrue();
          assertThat(cache.get(own, String.class)).isNull();
          n += 2;
        }
        if (i % 5 == 0) { // bulk calls, which take a free connection where a store has several
          List<String> keys = List.of("shared" + s, "shared" + (s + 1) % SHARED,
              "shared" + (s + 2) % SHARED);
          Map<String, String> expected = new LinkedHashMap<>();
          keys.forEach(k -> expected.put(k, "shared value " + k.substring("shared".length())));
          assertThat(cache.getMany(keys, String.class)).isEqualTo(expected);
          String bulk = "bulk" + thread;
          cache.setMany(Map.of(bulk, value + " in bulk"));
          Map<String, String> read = cache.getMany(List.of(bulk, own), String.class);
          assertThat(read).containsEntry(bulk, value + " in bulk");
          if (i % 7 == 0) {
            assertThat(read).doesNotContainKey(own);
          } else {
            assertThat(read).containsEntry(own, value);
          }
          n += 3;
        }
      }
      return n;
    });
    assertThat(checked.stream().mapToInt(Integer::intValue).sum())
        .isGreaterThan(threads * calls * 2);
  }

  /** A call made on a numbered thread. */
  @FunctionalInterface
  interface ThreadCall<T> {
    T run(int thread) throws Exception;
  }

  /**
   * Runs a call on {@code threads} numbered threads released together.
   *
   * @return the results, in thread order
   */
  static <T> List<T> together(int threads, ThreadCall<T> call) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<T>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        results.add(pool.submit(() -> {
          start.await();
          return call.run(thread);
        }));
      }
      start.countDown();
      List<T> out = new ArrayList<>();
      for (Future<T> f : results) {
        out.add(f.get(5, TimeUnit.MINUTES));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}
