package io.larder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.spi.Store;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A write that fails in fail-open mode (as during a Redis Cluster failover) never lets this
 * process read the value it failed to replace.
 */
class DroppedWriteTest {

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final InstantSource clock = () -> Instant.ofEpochMilli(now.get());
  private final FailureModesTest.FlakyStore store =
      new FailureModesTest.FlakyStore(Stores.memoryBuilder().clock(clock).build());

  private Cache cache(boolean failOpen) {
    return Larder.builder().store(store).clock(clock).failOpen(failOpen).build();
  }

  @Test
  void readsAfterAFailedSetMissInsteadOfReturningTheOldValue() {
    Cache cache = cache(true);
    cache.set("k", "old");
    store.writesDown = true;
    cache.set("k", "new");
    assertThat(cache.stats().storeErrors()).isEqualTo(1);

    assertThat(cache.get("k", String.class)).isNull();
    assertThat(cache.getMany(List.of("k"), String.class)).isEmpty();
    assertThat(cache.exists("k")).isFalse();
    try (Preload scope = cache.preload("k")) {
      assertThat(cache.get("k", String.class)).isNull();
    }
    assertThat(cache.getOrCompute("k", String.class, Duration.ofMinutes(1), () -> "computed"))
        .isEqualTo("computed");
    assertThat(store.get("k")).as("the store still holds the old value").isNotNull();
  }

  @Test
  void aLaterSuccessfulWriteEndsTheMiss() {
    Cache cache = cache(true);
    cache.set("k", "old");
    store.writesDown = true;
    cache.set("k", "new");
    store.writesDown = false;
    cache.set("k", "newer");
    assertThat(cache.get("k", String.class)).isEqualTo("newer");
  }

  @Test
  void aFailedDeleteAndAFailedSetManyMissToo() {
    Cache cache = cache(true);
    cache.set("d", "old");
    cache.set("m", "old");
    store.writesDown = true;
    assertThat(cache.delete("d")).isFalse();
    cache.setMany(Map.of("m", "new"));
    assertThat(cache.get("d", String.class)).isNull();
    assertThat(cache.get("m", String.class)).isNull();
  }

  @Test
  void theBackgroundDeleteRemovesTheOldValueOnceTheStoreAnswers() {
    CacheRuntime rt = new CacheRuntime(store, new CodecRegistry(Set.of()),
        CacheRuntime.Options.defaults(true, clock));
    View root = new View("", new StatsCounter(null), List.of());
    Keys.StoreKey k = rt.key(root, "k");
    rt.writes.set(root, k, "old", Codec.utf8(), Store.NO_EXPIRY);
    store.writesDown = true;
    rt.writes.set(root, k, "new", Codec.utf8(), Store.NO_EXPIRY);
    rt.dropped.retryDeletes();
    assertThat(rt.dropped.size()).as("still failing: still remembered").isEqualTo(1);
    assertThat(rt.reads.entry(root, k, Codec.utf8()).present()).isFalse();
    store.writesDown = false;
    rt.dropped.retryDeletes();
    assertThat(rt.dropped.size()).isZero();
    assertThat(store.get(k.store())).isNull();
    assertThat(rt.reads.entry(root, k, Codec.utf8()).present()).isFalse();
    rt.close();
  }

  @Test
  void theMissLastsTheFailedWritesTtl() {
    Cache cache = cache(true);
    cache.set("k", "old");
    store.writesDown = true;
    cache.set("k", "new", Duration.ofSeconds(10));
    now.addAndGet(9_999);
    long trips = cache.stats().roundTrips();
    assertThat(cache.get("k", String.class)).isNull();
    assertThat(cache.stats().roundTrips()).as("answered without asking the store").isEqualTo(trips);
    now.addAndGet(1);
    cache.get("k", String.class);
    assertThat(cache.stats().roundTrips()).as("past the TTL, the store is asked again")
        .isEqualTo(trips + 1);
  }

  @Test
  void failClosedThrowsAndRemembersNothing() {
    Cache cache = cache(false);
    cache.set("k", "old");
    store.writesDown = true;
    assertThatThrownBy(() -> cache.set("k", "new")).isInstanceOf(CacheConnectionException.class);
    assertThat(cache.get("k", String.class)).as("the caller knows the write failed")
        .isEqualTo("old");
  }

  @Test
  void aWriteOverTheMemoryStoreThatEndsAfterAFailedWriteOfTheKeyEndsTheMiss() throws Exception {
    // the memory store's own clock fails while failing is set: a write with a TTL then fails
    java.util.concurrent.atomic.AtomicBoolean failing =
        new java.util.concurrent.atomic.AtomicBoolean();
    InstantSource storeClock = () -> {
      if (failing.get()) {
        throw new IllegalStateException("the store's clock is down (test)");
      }
      return clock.instant();
    };
    Store memory = Stores.memoryBuilder().clock(storeClock).build();
    Cache cache = Larder.builder().store(memory).clock(clock).failOpen(true).build();
    java.util.concurrent.CountDownLatch encoding = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    Codec<byte[]> held = new Codec<>() {
      @Override
      public byte[] encode(byte[] value) {
        encoding.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
        return value.clone();
      }

      @Override
      public byte[] decode(byte[] bytes) {
        return bytes;
      }
    };
    java.util.concurrent.ExecutorService other =
        java.util.concurrent.Executors.newSingleThreadExecutor();
    try {
      // the write looks for remembered failures, then its codec waits for the failure below
      java.util.concurrent.Future<?> write =
          other.submit(() -> cache.set("k", new byte[] {1}, held, Cache.FOREVER));
      encoding.await();
      failing.set(true);
      cache.set("k", new byte[] {2}, Duration.ofMinutes(1));
      failing.set(false);
      assertThat(cache.stats().storeErrors()).isEqualTo(1);
      release.countDown();
      write.get(30, java.util.concurrent.TimeUnit.SECONDS);

      assertThat(cache.get("k", byte[].class)).as("the later write's value").containsExactly(1);
    } finally {
      release.countDown();
      other.shutdownNow();
      cache.close();
      memory.close();
    }
  }
}
