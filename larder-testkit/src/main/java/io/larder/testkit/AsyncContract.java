package io.larder.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.AsyncCache;
import io.larder.AsyncMemoized;
import io.larder.Cache;
import io.larder.CacheCodecException;
import io.larder.Codec;
import io.larder.Freshness;
import io.larder.Larder;
import io.larder.Versioned;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The store contract's operations through {@link AsyncCache}: on a store with a native
 * asynchronous face ({@link io.larder.spi.AsyncStore}) they exercise it, on any other the
 * facade's executor or (in-process stores) its immediate answers. {@link StoreContract} runs
 * it on every store as its nested class {@code StoreContract.Async}, over the store and
 * server the contract already opened; nothing here waits for a TTL.
 *
 * <p>Besides the operations: thousands of concurrent calls with distinct values each get
 * their own answer, and no user callback runs on a thread other than the cache's executor or
 * the caller's own (never a store's I/O thread).
 */
public abstract class AsyncContract {
  private static final int THREADS = 16;
  private static final int CALLS_PER_THREAD = 150;

  /**
   * Returns the contract's fail-closed cache over the store under test, in a namespace of
   * this test's own.
   *
   * @return the cache
   */
  protected abstract Cache cache();

  /**
   * Builds another fail-closed cache over the store under test, closed after the test.
   *
   * @param builder a builder with any options but the store and failure mode
   * @return the cache
   */
  protected abstract Cache newCache(Larder.Builder builder);

  /**
   * Returns the namespace {@link #cache()} works in.
   *
   * @return the prefix
   */
  protected abstract String prefix();

  private AsyncCache async() {
    return cache().async();
  }

  private static <T> T await(CompletableFuture<T> future)
      throws InterruptedException, ExecutionException, TimeoutException {
    return future.get(30, TimeUnit.SECONDS);
  }

  private static Throwable failureOf(CompletableFuture<?> future) throws Exception {
    return future.handle((value, e) -> e).get(30, TimeUnit.SECONDS);
  }

  @Test
  void everyBuiltInTypeRoundTripsAndReadsTheSameSynchronously() throws Exception {
    AsyncCache async = async();
    await(async.set("s", "héllo ☕"));
    await(async.set("b", new byte[] {0, (byte) 0xFF, 10, 13, 9}));
    await(async.set("l", -42L));
    await(async.set("i", 7));

    assertThat(await(async.get("s", String.class))).isEqualTo("héllo ☕");
    assertThat(await(async.get("b", byte[].class))).containsExactly(0, 0xFF, 10, 13, 9);
    assertThat(await(async.get("l", Long.class))).isEqualTo(-42L);
    assertThat(cache().get("i", Integer.class)).isEqualTo(7);
    cache().set("sync", "written synchronously");
    assertThat(await(async.get("sync", String.class))).isEqualTo("written synchronously");
    assertThat(await(async.get("missing", String.class))).isNull();
  }

  @Test
  void bulkReadsAndWritesAreOneRoundTripEach() throws Exception {
    AsyncCache async = async();
    Map<String, String> values = new LinkedHashMap<>();
    for (int i = 0; i < 100; i++) {
      values.put("k" + i, "v" + i);
    }
    long before = cache().stats().roundTrips();
    await(async.setMany(values));
    assertThat(cache().stats().roundTrips() - before).isEqualTo(1);

    List<String> keys = new ArrayList<>(values.keySet());
    keys.add("absent");
    before = cache().stats().roundTrips();
    Map<String, String> read = await(async.getMany(keys, String.class));
    assertThat(cache().stats().roundTrips() - before).isEqualTo(1);
    assertThat(read).containsExactlyEntriesOf(values);

    assertThat(await(async.deleteMany(List.of("k0", "k1", "absent")))).isEqualTo(2);
    assertThat(await(async.getMany(List.of("k0", "k1", "k2"), String.class)))
        .containsOnlyKeys("k2");
  }

  @Test
  void addDeleteExistsAndTouchAnswerAsTheSynchronousOnes() throws Exception {
    AsyncCache async = async();
    assertThat(await(async.add("k", "first"))).isTrue();
    assertThat(await(async.add("k", "second"))).isFalse();
    assertThat(await(async.get("k", String.class))).isEqualTo("first");
    assertThat(await(async.exists("k"))).isTrue();
    assertThat(await(async.touch("k", Duration.ofMinutes(10)))).isTrue();
    assertThat(await(async.touch("none", Duration.ofMinutes(10)))).isFalse();
    assertThat(await(async.delete("k"))).isTrue();
    assertThat(await(async.delete("k"))).isFalse();
    assertThat(await(async.exists("k"))).isFalse();
    await(async.set("gone", "v", Codec.utf8(), Duration.ZERO));
    assertThat(cache().exists("gone")).isFalse();
  }

  @Test
  void countersAreExactUnderConcurrentAsyncIncrements() throws Exception {
    AsyncCache async = async();
    assertThat(await(async.incr("n", 5))).isEqualTo(5);
    assertThat(await(async.decr("n", 2))).isEqualTo(3);
    List<CompletableFuture<Long>> increments = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      increments.add(async.incr("n"));
    }
    Set<Long> seen = ConcurrentHashMap.newKeySet();
    for (CompletableFuture<Long> f : increments) {
      seen.add(await(f));
    }
    assertThat(seen).as("each increment saw its own value").hasSize(300);
    assertThat(cache().get("n", Long.class)).isEqualTo(303L);

    await(async.set("text", "not a number"));
    assertThat(failureOf(async.incr("text"))).isInstanceOf(CacheCodecException.class);
  }

  @Test
  void compareAndSetAndTheUpdateLoopLoseNoWrite() throws Exception {
    AsyncCache async = async();
    Versioned<String> absent = await(async.getVersioned("k", String.class));
    assertThat(absent.exists()).isFalse();
    assertThat(await(async.compareAndSet(absent, "created"))).isTrue();
    assertThat(await(async.compareAndSet(absent, "again"))).isFalse();
    Versioned<String> read = await(async.getVersioned("k", String.class));
    assertThat(read.value()).isEqualTo("created");
    cache().set("k", "changed");
    assertThat(await(async.compareAndSet(read, "mine"))).isFalse();

    List<CompletableFuture<Long>> updates = new ArrayList<>();
    for (int i = 0; i < 25; i++) {
      updates.add(async.update("count", Codec.longs(), Duration.ofMinutes(10),
          v -> v == null ? 1L : v + 1));
    }
    for (CompletableFuture<Long> u : updates) {
      await(u);
    }
    assertThat(cache().get("count", Long.class)).isEqualTo(25L);
  }

  @Test
  void namespacesAndTagsBehaveAsInTheSynchronousCache() throws Exception {
    AsyncCache notes = async().namespace("notes");
    await(notes.set("312", "note"));
    await(async().set("312", "neighbour"));
    await(notes.clear());
    assertThat(await(notes.get("312", String.class))).isNull();
    assertThat(await(async().get("312", String.class))).isEqualTo("neighbour");

    AsyncCache tagged = async().tagged("note:312");
    await(tagged.set("html", "<p>312</p>"));
    assertThat(await(async().get("html", String.class))).isEqualTo("<p>312</p>");
    await(async().invalidateTag("note:312"));
    assertThat(await(async().get("html", String.class))).isNull();
  }

  @Test
  void concurrentGetOrComputeCallersShareOneComputation() throws Exception {
    AsyncCache async = async();
    AtomicInteger calls = new AtomicInteger();
    CountDownLatch started = new CountDownLatch(1);
    CompletableFuture<String> computation = new CompletableFuture<>();
    List<CompletableFuture<String>> callers = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      callers.add(async.getOrCompute("report", String.class, Duration.ofMinutes(10), key -> {
        calls.incrementAndGet();
        started.countDown();
        return computation;
      }));
    }
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
    computation.complete("built");
    for (CompletableFuture<String> caller : callers) {
      assertThat(await(caller)).isEqualTo("built");
    }
    assertThat(calls).hasValue(1);
    assertThat(cache().get("report", String.class)).isEqualTo("built");

    AsyncMemoized<Long, String> markup = async.memoize("markup", Long.class, String.class,
        id -> CompletableFuture.completedFuture("<p>" + id + "</p>"), Duration.ofMinutes(10));
    assertThat(await(markup.apply(312L))).isEqualTo("<p>312</p>");
    assertThat(await(markup.bust(312L))).isTrue();
  }

  @Test
  void aLeaseHeldByAnotherProcessIsWaitedForWithoutComputingAgain() throws Exception {
    AsyncCache first = async();
    AsyncCache second = newCache(Larder.builder().prefix(prefix())).async();
    Freshness f = Freshness.of(Duration.ofMinutes(10)).lease(Duration.ofSeconds(20));
    CompletableFuture<String> computation = new CompletableFuture<>();
    AtomicInteger calls = new AtomicInteger();
    CountDownLatch started = new CountDownLatch(1);
    CompletableFuture<String> holder = first.getOrCompute("k", String.class, f, key -> {
      calls.incrementAndGet();
      started.countDown();
      return computation;
    });
    assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<String> waiter = second.getOrCompute("k", String.class, f, key -> {
      calls.incrementAndGet();
      return CompletableFuture.completedFuture("second");
    });
    computation.complete("first");
    assertThat(await(holder)).isEqualTo("first");
    assertThat(await(waiter)).isEqualTo("first");
    assertThat(calls).hasValue(1);
  }

  @Test
  void thousandsOfConcurrentCallsWithDistinctValuesEachGetTheirOwnAnswer() throws Exception {
    AsyncCache async = async();
    List<CompletableFuture<Void>> checks = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<Void>> all = java.util.Collections.synchronizedList(checks);
    for (int t = 0; t < THREADS; t++) {
      int thread = t;
      Thread worker = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
        for (int i = 0; i < CALLS_PER_THREAD; i++) {
          String key = "c" + thread + ":" + i;
          String value = "value of " + key;
          all.add(async.set(key, value)
              .thenCompose(done -> async.get(key, String.class))
              .thenAccept(read -> assertThat(read).as(key).isEqualTo(value)));
        }
      }, "async-contract-" + t);
      worker.start();
      threads.add(worker);
    }
    go.countDown();
    for (Thread t : threads) {
      t.join();
    }
    await(CompletableFuture.allOf(checks.toArray(CompletableFuture[]::new)));
    Map<String, String> many = await(async.getMany(List.of("c0:0", "c15:149"), String.class));
    assertThat(many).containsEntry("c0:0", "value of c0:0")
        .containsEntry("c15:149", "value of c15:149");
  }

  @Test
  void noCallbackRunsOffTheCachesExecutorOrTheCallersThread() throws Exception {
    AsyncCache async = async();
    String caller = Thread.currentThread().getName();
    Set<String> threads = ConcurrentHashMap.newKeySet();
    List<CompletableFuture<?>> calls = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      String key = "t" + i;
      calls.add(async.set(key, "v").thenRun(() -> threads.add(Thread.currentThread().getName())));
      calls.add(async.get(key, String.class)
          .thenAccept(v -> threads.add(Thread.currentThread().getName())));
      calls.add(async.getOrCompute("computed" + i, String.class, Duration.ofMinutes(10), k -> {
        threads.add(Thread.currentThread().getName());
        return CompletableFuture.completedFuture(k);
      }).thenAccept(v -> threads.add(Thread.currentThread().getName())));
    }
    await(CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)));
    assertThat(threads).isNotEmpty()
        .allMatch(name -> name.equals(caller) || name.startsWith("larder-async-"),
            "the caller's thread or the cache's executor (larder-async-N)");
  }
}
