package io.larder.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.spi.Store;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Drives many threads' mixed calls at one store at once, each thread on keys of its own with
 * values no other call writes, and checks every answer against what that thread wrote: a
 * reply handed to the wrong caller of a merged batch shows up as another thread's value. For
 * stores that merge concurrent calls (memcached, Kyoto Tycoon):
 *
 * <pre>{@code
 * assertThat(ConcurrentCalls.check(store, "merged:", 16, 400)).isGreaterThan(3_000);
 * }</pre>
 */
public final class ConcurrentCalls {
  private ConcurrentCalls() {}

  /**
   * Runs the calls and returns how many answers were checked.
   *
   * @param store the store, whose keys under {@code prefix} must be absent at the start
   * @param prefix what every key the calls use starts with
   * @param threads how many threads call at once
   * @param callsPerThread how many calls each makes: sets, gets, deletes, getMany of 4 keys
   * @return how many answers were checked
   * @throws AssertionError if any answer is not the caller's own
   * @throws Exception if a thread fails otherwise (a store failure) or takes over 2 minutes
   */
  public static int check(Store store, String prefix, int threads, int callsPerThread)
      throws Exception {
    return run(store, prefix, threads, callsPerThread, 6);
  }

  /**
   * Runs single-key calls only (sets, gets, deletes), as {@link #check} runs its mix, and
   * returns how many answers were checked: for stores that combine concurrent single-key calls
   * and send bulk calls another way.
   *
   * @param store the store, whose keys under {@code prefix} must be absent at the start
   * @param prefix what every key the calls use starts with
   * @param threads how many threads call at once
   * @param callsPerThread how many calls each makes
   * @return how many answers were checked
   * @throws AssertionError if any answer is not the caller's own
   * @throws Exception if a thread fails otherwise (a store failure) or takes over 2 minutes
   */
  public static int checkSingleKey(Store store, String prefix, int threads, int callsPerThread)
      throws Exception {
    return run(store, prefix, threads, callsPerThread, 5);
  }

  /** Drives the threads; each call is one of the first {@code kinds} kinds of {@link #calls}. */
  private static int run(Store store, String prefix, int threads, int callsPerThread, int kinds)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CyclicBarrier start = new CyclicBarrier(threads);
    try {
      List<Future<Integer>> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        workers.add(pool.submit(() -> {
          start.await(30, TimeUnit.SECONDS);
          return calls(store, prefix, thread, callsPerThread, kinds);
        }));
      }
      int checked = 0;
      for (Future<Integer> w : workers) {
        checked += w.get(2, TimeUnit.MINUTES);
      }
      return checked;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * One thread's calls on keys of its own, each answer checked: sets, gets, deletes and, when
   * {@code kinds} is 6, getMany of 4 keys; the count of answers checked.
   */
  private static int calls(Store store, String prefix, int thread, int count, int kinds) {
    Map<String, byte[]> mine = new HashMap<>();
    Random random = new Random(thread);
    int checked = 0;
    for (int i = 0; i < count; i++) {
      String key = prefix + thread + ":" + random.nextInt(16);
      switch (random.nextInt(kinds)) {
        case 0, 1 -> {
          byte[] value = ("value " + thread + "/" + i).getBytes(StandardCharsets.UTF_8);
          store.set(key, value, Store.NO_EXPIRY);
          mine.put(key, value);
        }
        case 2, 3 -> {
          assertThat(store.get(key)).as("get %s", key).isEqualTo(mine.get(key));
          checked++;
        }
        case 4 -> {
          assertThat(store.delete(key)).as("delete %s", key).isEqualTo(mine.remove(key) != null);
          checked++;
        }
        default -> {
          List<String> keys = new ArrayList<>();
          for (int k = 0; k < 4; k++) {
            keys.add(prefix + thread + ":" + random.nextInt(16));
          }
          Map<String, byte[]> got = store.getMany(keys);
          for (String k : keys) {
            assertThat(got.get(k)).as("getMany %s", k).isEqualTo(mine.get(k));
            checked++;
          }
        }
      }
    }
    return checked;
  }
}
