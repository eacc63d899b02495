package io.larder;

import static org.assertj.core.api.Assertions.assertThat;

import io.larder.AsyncCacheTest.IoThreadStore;
import io.larder.spi.Store;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link AsyncCache#getOrCompute}, the asynchronous update loop and memoize with asynchronous
 * functions, over a native asynchronous store and over a blocking one: single flight with a
 * shared future, stale-while-revalidate, failures (leases: the async contract, on every
 * store).
 */
class AsyncComputeTest {
  private final AtomicLong now = new AtomicLong(Instant.parse("2026-01-01T00:00:00Z")
      .toEpochMilli());
  private final InstantSource clock = () -> Instant.ofEpochMilli(now.get());
  private final List<AutoCloseable> opened = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : opened) {
      c.close();
    }
  }

  /** A store of the kind named: "native" has an asynchronous face, "blocking" has none. */
  private Store store(String kind) {
    Store memory = Stores.memoryBuilder().clock(clock).build();
    Store store = kind.equals("native") ? new IoThreadStore(new FailureModesTest.FlakyStore(
        memory)) : new AsyncCacheTest.WatchedStore(memory);
    opened.add(store);
    return store;
  }

  private AsyncCache cache(Store store) {
    Cache cache = Larder.builder().store(store).clock(clock).failOpen(false).build();
    opened.add(cache);
    return cache.async();
  }

  private static <T> T await(CompletableFuture<T> future) throws Exception {
    return future.get(10, TimeUnit.SECONDS);
  }

  @ParameterizedTest
  @ValueSource(strings = {"native", "blocking"})
  void concurrentCallersShareOneComputationAndItsValue(String kind) throws Exception {
    AsyncCache async = cache(store(kind));
    AtomicInteger calls = new AtomicInteger();
    CountDownLatch started = new CountDownLatch(1);
    CompletableFuture<String> computation = new CompletableFuture<>();
    List<CompletableFuture<String>> callers = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      callers.add(async.getOrCompute("report", String.class, Duration.ofMinutes(1), key -> {
        calls.incrementAndGet();
        started.countDown();
        return computation;
      }));
    }
    assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
    computation.complete("built");
    for (CompletableFuture<String> caller : callers) {
      assertThat(await(caller)).isEqualTo("built");
    }
    assertThat(calls).hasValue(1);
    assertThat(async.synchronous().get("report", String.class)).isEqualTo("built");
    assertThat(await(async.getOrCompute("report", String.class, Duration.ofMinutes(1),
        key -> CompletableFuture.completedFuture("again")))).isEqualTo("built");
  }

  @ParameterizedTest
  @ValueSource(strings = {"native", "blocking"})
  void aFailedComputationFailsEveryCallerAndCachesNothing(String kind) throws Exception {
    AsyncCache async = cache(store(kind));
    IllegalStateException boom = new IllegalStateException("boom");
    Throwable failure = async.getOrCompute("k", String.class, Duration.ofMinutes(1),
        key -> CompletableFuture.<String>failedFuture(boom)).handle((v, e) -> e)
        .get(10, TimeUnit.SECONDS);
    assertThat(failure).isSameAs(boom);
    Throwable thrown = async.getOrCompute("k", String.class, Duration.ofMinutes(1),
        key -> { throw boom; }).handle((v, e) -> e).get(10, TimeUnit.SECONDS);
    assertThat(thrown).isSameAs(boom);
    assertThat(await(async.getOrCompute("k", String.class, Duration.ofMinutes(1),
        key -> CompletableFuture.completedFuture((String) null)))).isNull();
    assertThat(await(async.exists("k"))).isFalse();
    assertThat(await(async.getOrCompute("k", String.class, Duration.ofMinutes(1),
        key -> CompletableFuture.completedFuture(key + "!")))).isEqualTo("k!");
  }

  @ParameterizedTest
  @ValueSource(strings = {"native", "blocking"})
  void aStaleValueIsServedWhileOneCallerRefreshesIt(String kind) throws Exception {
    AsyncCache async = cache(store(kind));
    Freshness f = Freshness.of(Duration.ofSeconds(10)).staleFor(Duration.ofMinutes(1))
        .earlyRecompute(0);
    assertThat(await(async.getOrCompute("k", String.class, f,
        key -> CompletableFuture.completedFuture("v1")))).isEqualTo("v1");
    now.addAndGet(11_000);
    CompletableFuture<String> refresh = new CompletableFuture<>();
    AtomicInteger calls = new AtomicInteger();
    Supplier<CompletableFuture<String>> read = () -> async.getOrCompute("k", String.class, f,
        key -> {
          calls.incrementAndGet();
          return refresh;
        });
    assertThat(await(read.get())).isEqualTo("v1");
    assertThat(await(read.get())).isEqualTo("v1");
    refresh.complete("v2");
    assertThat(calls).hasValue(1);
    // the refresh stores v2 on the executor after the loader completes: read until it shows
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    String seen = await(read.get());
    while (!"v2".equals(seen) && System.nanoTime() < deadline) {
      seen = await(read.get());
    }
    assertThat(seen).isEqualTo("v2");
    assertThat(calls).hasValue(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"native", "blocking"})
  void concurrentUpdatesLoseNoChange(String kind) throws Exception {
    AsyncCache async = cache(store(kind));
    List<CompletableFuture<Long>> updates = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      updates.add(async.update("n", Codec.longs(), Duration.ofMinutes(1),
          v -> v == null ? 1L : v + 1));
    }
    for (CompletableFuture<Long> u : updates) {
      await(u);
    }
    assertThat(async.synchronous().get("n", Long.class)).isEqualTo(40L);
    assertThat(await(async.update("n", Codec.longs(), Duration.ofMinutes(1), v -> null)))
        .isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"native", "blocking"})
  void anAsyncMemoizedFunctionComputesOnceAndSharesTheSynchronousKeys(String kind)
      throws Exception {
    AsyncCache async = cache(store(kind));
    AtomicInteger calls = new AtomicInteger();
    AsyncMemoized<Long, String> markup = async.memoize("Notes.markup", Long.class,
        String.class, id -> {
          calls.incrementAndGet();
          return CompletableFuture.completedFuture("<p>" + id + "</p>");
        }, Duration.ofMinutes(5));
    assertThat(await(markup.apply(312L))).isEqualTo("<p>312</p>");
    assertThat(await(markup.apply(312L))).isEqualTo("<p>312</p>");
    assertThat(calls).hasValue(1);
    Memoized<Long, String> sync = async.synchronous().memoize("Notes.markup", Long.class,
        String.class, id -> "sync", Duration.ofMinutes(5));
    assertThat(sync.key(312L)).isEqualTo(markup.key(312L));
    assertThat(sync.apply(312L)).isEqualTo("<p>312</p>");
    assertThat(await(markup.bust(312L))).isTrue();
    assertThat(await(markup.apply(312L))).isEqualTo("<p>312</p>");
    assertThat(calls).hasValue(2);
  }
}
