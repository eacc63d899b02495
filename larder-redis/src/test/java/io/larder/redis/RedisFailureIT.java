package io.larder.redis;

import static io.larder.redis.PatientTimeouts.PATIENT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Cache;
import io.larder.CacheConnectionException;
import io.larder.CacheException;
import io.larder.CacheTimeoutException;
import io.larder.Larder;
import io.larder.testkit.Answered;
import io.larder.testkit.AsyncLoad;
import io.larder.testkit.RedisServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a cache does when its Redis server dies, hangs or comes back: fail-open answers misses
 * and counts errors, fail-closed throws, every call is bounded by its timeout, and the
 * connection comes back by itself.
 */
class RedisFailureIT {
  private RedisServer redis;

  @BeforeEach
  void startServer() {
    redis = RedisServer.builder().args("--enable-debug-command", "yes").start();
  }

  @AfterEach
  void stopServer() {
    redis.stop();
  }

  @Test
  void failOpenReadsMissesAndDropsWritesWhenTheServerIsKilledMidLoad() throws Exception {
    try (Cache cache = Larder.open(redis.url() + "?prefix=failopen")) {
      int threads = 4;
      AtomicBoolean killed = new AtomicBoolean();
      AtomicLong hitsBefore = new AtomicLong();
      CountDownLatch warmedUp = new CountDownLatch(200);
      AtomicLong readsAfter = new AtomicLong();
      AtomicLong valuesAfter = new AtomicLong();
      List<Throwable> thrown = java.util.Collections.synchronizedList(new ArrayList<>());
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<?>> loops = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        loops.add(pool.submit(() -> {
          for (int i = 0; i < 3_000; i++) {
            try {
              boolean afterKill = killed.get();
              String key = "k" + thread + ":" + (i % 50);
              cache.set(key, "v" + i);
              String v = cache.get(key, String.class);
              Map<String, String> many = cache.getMany(List.of(key, "other"), String.class);
              cache.delete("gone" + thread);
              if (afterKill) {
                readsAfter.incrementAndGet();
                if (v != null || !many.isEmpty()) {
                  valuesAfter.incrementAndGet();
                }
              } else if (v != null) {
                hitsBefore.incrementAndGet();
                warmedUp.countDown();
              }
            } catch (Throwable e) {
              thrown.add(e);
            }
          }
        }));
      }
      assertThat(warmedUp.await(2, TimeUnit.MINUTES)).as("200 hits before the kill").isTrue();
      redis.kill();
      killed.set(true);
      for (Future<?> f : loops) {
        f.get(2, TimeUnit.MINUTES);
      }
      pool.shutdown();

      assertThat(thrown).as("nothing reaches the caller").isEmpty();
      assertThat(hitsBefore.get()).isGreaterThanOrEqualTo(200);
      assertThat(readsAfter.get()).as("the load went on after the kill").isPositive();
      assertThat(valuesAfter.get()).as("reads after the kill are misses").isZero();
      assertThat(cache.stats().storeErrors()).isGreaterThanOrEqualTo(readsAfter.get());
      assertThat(cache.incr("n")).as("a failed incr answers 0").isZero();
      assertThat(cache.add("a", "v")).isFalse();
    }
  }

  @Test
  void scriptsAreSentAgainWhenTheServerForgotThem() throws Exception {
    try (Cache cache = Larder.open(redis.url() + "?prefix=noscript&failOpen=false" + PATIENT)) {
      cache.incr("m");
      assertThat(new ProcessBuilder("redis-cli", "-p", String.valueOf(redis.port()), "script",
          "flush").start().waitFor()).isZero();
      cache.set("k", "w");
      cache.setMany(Map.of("a", "1", "b", "2"));
      assertThat(cache.incr("n")).isEqualTo(1);
      assertThat(cache.update("n", Long.class, v -> v + 1)).isEqualTo(2L);
      assertThat(cache.getMany(List.of("k", "a", "b"), String.class)).hasSize(3);
      assertThat(cache.deleteMany(List.of("k", "a", "b"))).isEqualTo(3);
    }
  }

  @Test
  void nothingListeningFailsAtOpen() {
    String url = "redis://127.0.0.1:" + redis.port() + "/0?connectTimeout=1s";
    redis.kill();
    assertThatThrownBy(() -> RedisStores.open(url))
        .isInstanceOf(CacheConnectionException.class)
        .hasMessageContaining("cannot connect to " + url)
        .hasMessageContaining("refused");
    assertThatThrownBy(() -> Larder.open(url + "&prefix=shop"))
        .isInstanceOf(CacheConnectionException.class);
  }

  @Test
  void failClosedThrowsConnectionErrorsWhenTheServerIsGone() {
    try (Cache cache = Larder.open(redis.url() + "?prefix=failclosed&failOpen=false" + PATIENT)) {
      cache.set("k", "v");
      redis.kill();
      assertThatThrownBy(() -> cache.get("k", String.class))
          .isInstanceOfAny(CacheConnectionException.class, CacheTimeoutException.class);
      assertThatThrownBy(() -> cache.set("k", "w")).isInstanceOf(CacheConnectionException.class);
      assertThatThrownBy(() -> cache.getMany(List.of("a", "b"), String.class))
          .isInstanceOf(CacheConnectionException.class);
      assertThatThrownBy(() -> cache.incr("n")).isInstanceOf(CacheConnectionException.class);
      assertThatThrownBy(cache::clear).isInstanceOf(CacheConnectionException.class);
      assertThat(cache.stats().storeErrors()).isEqualTo(5);
    }
  }

  @Test
  void aHungServerTimesCallsOutAndTheConnectionStaysUsable() throws Exception {
    try (Cache cache = Larder.open(redis.url() + "?prefix=hung&failOpen=false&timeout=100ms"
        + "&writeTimeout=100ms")) {
      Answered.run(() -> cache.set("k", "v"));
      // SIGSTOP hangs the server until SIGCONT, however long the calls below take to be made
      // on a loaded machine (a DEBUG SLEEP of 2 s could end before the last of them); our
      // commands wait in its socket
      redis.pause();
      try {
        awaitBusy(cache);
        assertThatThrownBy(() -> cache.get("k", String.class))
            .isInstanceOf(CacheTimeoutException.class).hasMessageContaining("100ms");
        assertThatThrownBy(() -> cache.set("k", "w")).isInstanceOf(CacheTimeoutException.class);
        // a late reply of 1000000 cannot pass for any answer checked below
        assertThatThrownBy(() -> cache.incr("n", 1_000_000))
            .isInstanceOf(CacheTimeoutException.class);
      } finally {
        redis.resume();
      }
      // the late replies ("v", OK, 1000000) are skipped: the next calls get their own answers;
      // a key never written comes first, so a late reply taken for it fails the test
      assertThat(Answered.call(() -> cache.get("never", String.class))).isNull();
      assertThat(Answered.call(() -> cache.get("k", String.class))).isIn("v", "w");
      Answered.run(() -> cache.set("k2", "v2"));
      assertThat(Answered.call(() -> cache.get("k2", String.class))).isEqualTo("v2");
      // one per attempt at most: an attempt that timed out may still have been applied
      AtomicInteger attempts = new AtomicInteger();
      long n2 = Answered.call(() -> cache.incr("n2"), attempts);
      assertThat(n2).isBetween(1L, (long) attempts.get());
      assertThat(Answered.call(() -> cache.get("n2", Long.class))).isEqualTo(n2);
    }
  }

  @Test
  void concurrentCallsThatTimeOutTogetherFailEachCallerOnce() throws Exception {
    int threads = 16;
    String url = redis.url() + "?prefix=paused&timeout=300ms&writeTimeout=300ms";
    try (Cache closed = Larder.open(url + "&failOpen=false");
        Cache open = Larder.open(url);
        io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(redis.url());
        var raw = client.connect()) {
      for (int t = 0; t < threads; t++) {
        String key = "k" + t;
        String value = "v" + t;
        Answered.run(() -> closed.set(key, value));
      }
      // SIGSTOP holds every client's commands until SIGCONT, however long the 32 calls below
      // take to be made on a loaded machine (a CLIENT PAUSE of 2.5 s could end before the last)
      List<String> failClosed;
      List<String> failOpen;
      long errors;
      redis.pause();
      try {
        failClosed = MixedCalls.together(threads, t -> {
          try {
            return "read " + closed.get("k" + t, String.class);
          } catch (CacheTimeoutException e) {
            return "timed out";
          }
        });
        long errorsBefore = open.stats().storeErrors();
        failOpen = MixedCalls.together(threads, t -> "read " + open.get("k" + t, String.class));
        errors = open.stats().storeErrors() - errorsBefore;
      } finally {
        redis.resume();
      }
      raw.sync().ping(); // answered once the server has worked through what waited
      assertThat(failClosed).hasSize(threads).containsOnly("timed out");
      assertThat(failOpen).hasSize(threads).containsOnly("read null");
      assertThat(errors).as("one store error per call").isEqualTo(threads);
      // the late replies are skipped: every caller gets its own value again
      List<String> after = MixedCalls.together(threads,
          t -> Answered.call(() -> closed.get("k" + t, String.class)));
      for (int t = 0; t < threads; t++) {
        assertThat(after.get(t)).isEqualTo("v" + t);
      }
    }
  }

  @Test
  void asyncCallsInFlightWhileTheServerIsPausedEachTimeOutOnce() throws Exception {
    try (RedisCacheStore store = RedisStores.open(redis.url() + "?timeout=200ms"
        + "&writeTimeout=200ms");
        io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(redis.url());
        var raw = client.connect()) {
      // stopped until SIGCONT, however long sending the 1,000 calls takes (a CLIENT PAUSE of
      // 1.5 s could end before the last is sent)
      redis.pause();
      try {
        AsyncLoad.timeouts(store, "paused:", 1_000);
      } finally {
        redis.resume();
      }
      raw.sync().ping(); // answered once the server has worked through what waited
      // the late replies are skipped: the next calls get their own answers
      Answered.run(() -> store.setAsync("after", "v".getBytes(), 0).join());
      assertThat(Answered.call(() -> store.getAsync("after").join())).containsExactly('v');
    }
  }

  /** Waits until a read times out: the server has stopped answering. */
  private static void awaitBusy(Cache cache) throws InterruptedException {
    for (int i = 0; i < 200; i++) {
      try {
        cache.exists("probe");
      } catch (CacheTimeoutException e) {
        return;
      }
      Thread.sleep(5);
    }
    throw new AssertionError("the server never stopped answering");
  }

  @Test
  void sixteenThreadsRideOutAKillAndRestartAndHitsResume() throws Exception {
    int threads = 16;
    int streakAfterRestart = 200;
    try (Cache cache = Larder.open(redis.url() + "?prefix=reconnect&failOpen=false" + PATIENT)) {
      AtomicBoolean restarted = new AtomicBoolean();
      AtomicBoolean killed = new AtomicBoolean();
      CountDownLatch warmedUp = new CountDownLatch(2_000);
      CountDownLatch outageSeen = new CountDownLatch(threads);
      AtomicLong hits = new AtomicLong();
      AtomicLong errors = new AtomicLong();
      AtomicLong errorsAfterRestart = new AtomicLong();
      AtomicInteger finished = new AtomicInteger();
      CountDownLatch start = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<Future<Long>> loops = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        String key = "t" + t;
        loops.add(pool.submit(() -> {
          start.await();
          long streak = 0;
          long hitsAfterRestart = 0;
          for (int i = 0; i < 500_000 && streak < streakAfterRestart; i++) {
            boolean after = restarted.get();
            try {
              cache.set(key, "v" + i);
              if (i % 10 == 0) {
                cache.incr(key + ":n"); // a script: NOSCRIPT after the restart, then EVAL
              }
              if (("v" + i).equals(cache.get(key, String.class))) {
                hits.incrementAndGet();
                warmedUp.countDown();
                if (after) {
                  streak++;
                  hitsAfterRestart++;
                }
              }
            } catch (CacheConnectionException | CacheTimeoutException e) {
              errors.incrementAndGet();
              if (killed.get()) {
                outageSeen.countDown();
              }
              streak = 0;
              if (after) {
                errorsAfterRestart.incrementAndGet();
              }
              Thread.sleep(1);
            }
          }
          finished.incrementAndGet();
          return hitsAfterRestart;
        }));
      }
      start.countDown();
      assertThat(warmedUp.await(2, TimeUnit.MINUTES)).as("2,000 hits before the kill").isTrue();
      redis.kill();
      killed.set(true);
      assertThat(outageSeen.await(2, TimeUnit.MINUTES)).as("the outage seen by the loops").isTrue();
      redis.restart();
      restarted.set(true);
      List<Long> hitsAfterRestart = new ArrayList<>();
      for (Future<Long> f : loops) {
        hitsAfterRestart.add(f.get(3, TimeUnit.MINUTES));
      }
      pool.shutdown();

      assertThat(finished.get()).as("every thread finished its loop").isEqualTo(threads);
      assertThat(errors.get()).as("the outage was seen").isGreaterThanOrEqualTo(threads);
      assertThat(hitsAfterRestart).as("each thread ended with a run of hits after the restart")
          .allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(streakAfterRestart));
      assertThat(cache.get("t0", String.class)).isNotNull();
      System.out.println("reconnect: " + errors.get() + " errors in all, "
          + errorsAfterRestart.get() + " after the restart was noticed");
    } catch (CacheException e) {
      throw new AssertionError("a store failure escaped the loop", e);
    }
  }
}
