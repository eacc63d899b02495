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
 * Many threads making concurrent single-key calls, so that the store merges them, each call
 * checking that it got its own answer: a wrong reply handed to a caller fails it.
 */
final class MixedCalls {
  private static final int SHARED = 200;

  private MixedCalls() {}

  /**
   * Runs {@code threads} threads of {@code calls} rounds each: a read of a shared key (each
   * holding its own value), a write and read-back of a key only this thread writes (a value
   * no other call writes), and every seventh round a delete of it that must report one key
   * and leave a miss.
   */
  static void run(Cache cache, int threads, int calls) throws Exception {
    Map<String, Object> shared = new LinkedHashMap<>();
    for (int i = 0; i < SHARED; i++) {
      shared.put("shared" + i, "shared value " + i);
    }
    cache.setMany(shared);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> loops = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        loops.add(pool.submit(() -> {
          start.await();
          SplittableRandom random = new SplittableRandom(thread);
          int checked = 0;
          for (int i = 0; i < calls; i++) {
            int s = random.nextInt(SHARED);
            assertThat(cache.get("shared" + s, String.class)).isEqualTo("shared value " + s);
            String own = "own" + thread + ":" + (i % 10);
            String value = "thread " + thread + " call " + i;
            cache.set(own, value);
            assertThat(cache.get(own, String.class)).isEqualTo(value);
            checked += 2;
            if (i % 7 == 0) {
              assertThat(cache.delete(own)).as("%s deleted", own).isTrue();
              assertThat(cache.get(own, String.class)).isNull();
              checked += 2;
            }
          }
          return checked;
        }));
      }
      start.countDown();
      int checked = 0;
      for (Future<Integer> loop : loops) {
        checked += loop.get(5, TimeUnit.MINUTES);
      }
      assertThat(checked).isGreaterThan(threads * calls * 2);
    } finally {
      pool.shutdownNow();
    }
  }
}
