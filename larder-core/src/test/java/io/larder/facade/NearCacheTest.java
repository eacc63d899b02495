package io.larder.facade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.Cache;
import io.larder.Codec;
import io.larder.Larder;
import io.larder.NearStats;
import io.larder.Stores;
import io.larder.spi.ForwardingStore;
import io.larder.spi.Invalidations;
import io.larder.spi.KeyLayout;
import io.larder.spi.Store;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The near tier on a memory store that plays a remote server: what it serves without a round
 * trip, what evicts it, and that a fill racing an invalidation never installs the stale value.
 */
class NearCacheTest {
  private final AtomicLong now = new AtomicLong(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
  private final InstantSource clock = () -> Instant.ofEpochMilli(now.get());
  /** The "server": shared by every cache of a test, as a Redis server would be. */
  private final Store server = Stores.memoryBuilder().clock(clock).build();
  private final Pushing remote = new Pushing(server);

  @AfterEach
  void close() {
    server.close();
  }

  /** The remote store: counts reads, can hold one read, and pushes what the test says. */
  static final class Pushing extends ForwardingStore implements Invalidations {
    final AtomicInteger gets = new AtomicInteger();
    volatile boolean active = true;
    volatile boolean supported = true;
    volatile Listener listener;
    /** The {@code nanoTime} through which pushes are confirmed; {@code null}: always now. */
    volatile Long confirmedThrough;
    Duration lag;
    volatile CountDownLatch reading;
    volatile CountDownLatch release;
    String prefix;

    Pushing(Store delegate) {
      super(delegate);
    }

    @Override
    public byte[] get(String key) {
      gets.incrementAndGet();
      byte[] value = super.get(key);
      CountDownLatch r = release;
      if (r != null) {
        release = null;
        reading.countDown();
        try {
          r.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return value;
    }

    @Override
    public void close() {
      // the server outlives the caches
    }

    @Override
    public Subscription subscribe(String prefix, Duration lag, Listener listener) {
      this.lag = lag;
      return subscribe(prefix, listener);
    }

    @Override
    public Subscription subscribe(String prefix, Listener listener) {
      if (!supported) {
        throw new UnsupportedOperationException("tracking disabled");
      }
      this.prefix = prefix;
      this.listener = listener;
      return new Subscription() {
        @Override
        public boolean active() {
          return active;
        }

        @Override
        public long reportedThrough() {
          Long confirmed = confirmedThrough;
          return confirmed == null ? System.nanoTime() : confirmed;
        }

        @Override
        public void close() {
          Pushing.this.listener = null;
        }
      };
    }

    /** Another client writes: the server changes the value and pushes the key. */
    void writeByOther(String storeKey, String value) {
      super.set(storeKey, value.getBytes(java.nio.charset.StandardCharsets.UTF_8), 0);
      listener.invalidated(List.of(storeKey));
    }
  }

  private Cache near(String options) {
    Larder.Builder b = Larder.builder().store(remote).clock(clock).failOpen(false).prefix("app")
        .near(1 << 20);
    if (!options.isEmpty()) {
      b.nearTtl(Duration.parse(options));
    }
    return b.build();
  }

  @Test
  void nearHitCostsNoRoundTripToTheRemoteStore() {
    try (Cache cache = near("")) {
      cache.set("k", "v1");
      assertThat(cache.get("k", String.class)).isEqualTo("v1");
      int before = remote.gets.get();
      for (int i = 0; i < 100; i++) {
        assertThat(cache.get("k", String.class)).isEqualTo("v1");
      }
      assertThat(remote.gets.get()).isEqualTo(before);
      NearStats stats = cache.nearStats();
      assertThat(stats.enabled()).isTrue();
      assertThat(stats.tracking()).isTrue();
      assertThat(stats.hits()).isEqualTo(100);
      assertThat(remote.prefix).isEqualTo("~app:");
    }
  }

  @Test
  void ownWritesDeletesAndCountersAreSeenAtOnce() {
    try (Cache cache = near("")) {
      cache.set("k", "v1");
      cache.get("k", String.class);
      cache.set("k", "v2");
      assertThat(cache.get("k", String.class)).isEqualTo("v2");
      cache.delete("k");
      assertThat(cache.get("k", String.class)).isNull();
      cache.incr("n");
      assertThat(cache.get("n", Long.class)).isEqualTo(1L);
      cache.incr("n");
      assertThat(cache.get("n", Long.class)).isEqualTo(2L);
      Cache notes = cache.namespace("notes");
      notes.set("a", "x");
      assertThat(notes.get("a", String.class)).isEqualTo("x");
      notes.clear();
      assertThat(notes.get("a", String.class)).isNull();
      cache.tagged("tag1").set("t", "tagged");
      assertThat(cache.tagged("tag1").get("t", String.class)).isEqualTo("tagged");
      cache.invalidateTag("tag1");
      assertThat(cache.tagged("tag1").get("t", String.class)).isNull();
    }
  }

  @Test
  void anotherClientsWriteIsSeenOnceItsInvalidationArrives() {
    try (Cache cache = near("")) {
      cache.set("k", "v1");
      assertThat(cache.get("k", String.class)).isEqualTo("v1");
      remote.writeByOther("~app::k", "v2");
      assertThat(cache.get("k", String.class)).isEqualTo("v2");
      assertThat(cache.nearStats().invalidations()).isEqualTo(1);
    }
  }

  @Test
  void whileThePushesAreConfirmedOnlyPastNearLagReadsGoToTheStore() {
    try (Cache cache = Larder.builder().store(remote).clock(clock).failOpen(false).prefix("app")
        .near(1 << 20).nearLag(Duration.ofMillis(20)).build()) {
      assertThat(remote.lag).isEqualTo(Duration.ofMillis(20));
      cache.set("k", "v1");
      cache.set("j", "v1");
      cache.get("k", String.class);
      cache.getMany(List.of("j"), String.class);
      // the server changed both, but this process has not heard yet: its pushes are behind
      server.set("~app::k", "v2".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0);
      server.set("~app::j", "v2".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0);
      remote.confirmedThrough = System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(21);
      int before = remote.gets.get();
      assertThat(cache.get("k", String.class)).isEqualTo("v2");
      assertThat(remote.gets.get()).isEqualTo(before + 1);
      assertThat(cache.getMany(List.of("j"), String.class)).containsEntry("j", "v2");
      assertThat(cache.nearStats().behind()).isEqualTo(2);
      // caught up again: the value read from the store is served near
      remote.confirmedThrough = null;
      long hits = cache.nearStats().hits();
      assertThat(cache.get("k", String.class)).isEqualTo("v2");
      assertThat(cache.nearStats().hits()).isEqualTo(hits + 1);
    }
    try (Cache cache = near("")) {
      assertThat(remote.lag).isEqualTo(Duration.ofMillis(50));
    }
  }

  /** Starts a read of {@code key} and returns once it has the server's answer, not landed. */
  private CompletableFuture<String> readHeldAtTheServer(Cache cache, String key,
      CountDownLatch release) throws InterruptedException {
    remote.reading = new CountDownLatch(1);
    remote.release = release;
    CompletableFuture<String> read = CompletableFuture.supplyAsync(
        () -> cache.get(key, String.class));
    assertThat(remote.reading.await(10, TimeUnit.SECONDS)).isTrue();
    return read;
  }

  @Test
  void fillRacingAnInvalidationNeverInstallsTheStaleValue() throws Exception {
    try (Cache cache = near("")) {
      cache.set("k", "v1");
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<String> read = readHeldAtTheServer(cache, "k", release);
      // the read has its answer (v1) and has not landed; another client writes meanwhile
      remote.writeByOther("~app::k", "v2");
      release.countDown();
      assertThat(read.get(10, TimeUnit.SECONDS)).isEqualTo("v1");
      assertThat(cache.get("k", String.class)).isEqualTo("v2");
    }
  }

  @Test
  void fillRacingALostTrackingConnectionInstallsNothing() throws Exception {
    try (Cache cache = near("")) {
      cache.set("k", "v1");
      CountDownLatch release = new CountDownLatch(1);
      CompletableFuture<String> read = readHeldAtTheServer(cache, "k", release);
      remote.active = false;
      remote.listener.invalidatedAll("connection lost");
      remote.active = true;
      release.countDown();
      read.get(10, TimeUnit.SECONDS);
      int before = remote.gets.get();
      cache.get("k", String.class);
      assertThat(remote.gets.get()).isEqualTo(before + 1);
    }
  }

  @Test
  void whileTrackingIsDownNothingIsKeptNear() {
    try (Cache cache = near("")) {
      cache.set("k", "v1");
      remote.active = false;
      remote.listener.invalidatedAll("connection lost");
      int before = remote.gets.get();
      cache.get("k", String.class);
      cache.get("k", String.class);
      assertThat(remote.gets.get()).isEqualTo(before + 2);
      remote.active = true;
      cache.get("k", String.class);
      cache.get("k", String.class);
      assertThat(remote.gets.get()).isEqualTo(before + 3);
    }
  }

  @Test
  void withoutPushEntriesLiveAtMostNearTtl() {
    remote.supported = false;
    try (Cache cache = near("PT2S")) {
      assertThat(cache.nearStats().tracking()).isFalse();
      cache.set("k", "v1");
      cache.get("k", String.class);
      server.set("~app::k", "v2".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0);
      now.addAndGet(1_999);
      assertThat(cache.get("k", String.class)).isEqualTo("v1");
      now.addAndGet(1);
      assertThat(cache.get("k", String.class)).isEqualTo("v2");
    }
  }

  @Test
  void preloadScopesAndGetOrComputeReadThroughTheNearTier() {
    try (Cache cache = near("")) {
      cache.set("a", "1");
      cache.set("b", "2");
      cache.getMany(List.of("a", "b"), String.class);
      assertThat(cache.getOrCompute("c", String.class, Duration.ofMinutes(1), () -> "3"))
          .isEqualTo("3");
      cache.getOrCompute("c", String.class, Duration.ofMinutes(1), () -> "again");
      int before = remote.gets.get();
      long hits = cache.nearStats().hits();
      try (var scope = cache.preload("a", "b")) {
        assertThat(cache.get("a", String.class)).isEqualTo("1");
      }
      assertThat(cache.getOrCompute("c", String.class, Duration.ofMinutes(1), () -> "again"))
          .isEqualTo("3");
      assertThat(remote.gets.get()).isEqualTo(before);
      assertThat(cache.nearStats().hits()).isGreaterThan(hits);
    }
  }

  @Test
  void valuesOverThePerEntryLimitAreNotKeptNear() {
    try (Cache cache = Larder.builder().store(remote).clock(clock).near(16 * 1024).build()) {
      cache.set("big", new byte[2048]);
      cache.set("small", new byte[512]);
      cache.get("big", byte[].class);
      cache.get("small", byte[].class);
      int before = remote.gets.get();
      cache.get("big", byte[].class);
      cache.get("small", byte[].class);
      assertThat(remote.gets.get()).isEqualTo(before + 1);
    }
  }

  @Test
  void immutableValuesAreKeptDecodedNear() {
    try (Cache cache = near("")) {
      cache.set("k", "a string value");
      String first = cache.get("k", String.class);
      assertThat(cache.get("k", String.class)).isEqualTo(first);
      assertThat(cache.get("k", String.class)).isSameAs(cache.get("k", String.class));
    }
  }

  /**
   * Review finding 3 of mem20, on the near tier: a value decoded from the bytes a fill brought
   * was kept near weighed by its estimate alone, though the entry holds the bytes too. Entries
   * that fit the tier as bytes alone, as many as fit, overflow it once each is weighed with its
   * decoded record as well, so the tier evicts; weighed without the bytes, it evicted nothing.
   */
  @Test
  void aRecordDecodedNearIsWeighedWithTheBytesKeptBesideIt() {
    Codec<ObjectTierTest.Book> codec =
        Codec.serialized(ObjectTierTest.Book.class, java.util.UUID.class);
    long bound = 16 << 10;
    try (Cache cache = Larder.builder().store(remote).clock(clock).failOpen(false).prefix("app")
        .near(bound).build()) {
      long asBytes = 0;
      List<String> keys = new java.util.ArrayList<>();
      for (int i = 0; ; i++) {
        ObjectTierTest.Book book = new ObjectTierTest.Book("Dune " + i, i,
            java.util.UUID.fromString("1965-08-01-0000-000000000000"));
        String storeKey = KeyLayout.key(KeyLayout.prefix(List.of("app")), "b" + i);
        long weight = 2L * storeKey.length() + 96 + codec.encode(book).length;
        if (asBytes + weight > bound) {
          break;
        }
        asBytes += weight;
        keys.add("b" + i);
        cache.set("b" + i, book, codec, Duration.ofMinutes(1));
      }
      for (String key : keys) {
        assertThat(cache.get(key, codec)).isNotNull();
      }
      assertThat(cache.nearStats().evictions()).isPositive();
    }
  }

  @Test
  void byteArraysHandedOutCannotChangeWhatIsHeldNear() {
    try (Cache cache = near("")) {
      cache.set("k", new byte[] {1, 2, 3});
      cache.get("k", byte[].class)[0] = 9;
      assertThat(cache.get("k", byte[].class)).containsExactly(1, 2, 3);
    }
  }

  @Test
  void aNearTierLargerThanHalfTheHeapIsRefusedNamingTheOption() {
    long tooMuch = Runtime.getRuntime().maxMemory();
    assertThatThrownBy(() -> Larder.builder().store(remote).near(tooMuch))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("option 'near'").hasMessageContaining("heap");
    assertThatThrownBy(() -> Larder.open("mem:?near=" + tooMuch))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("option 'near'");
  }

  @Test
  void nearOptionsAreCheckedAndReadFromTheUrl() {
    assertThatThrownBy(() -> Larder.open("mem:?near=0"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("option 'near'");
    assertThatThrownBy(() -> Larder.open("mem:?nearTtl=5s"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'nearTtl' needs");
    assertThatThrownBy(() -> Larder.open("mem:?near=1m&nearTtl=0s"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'nearTtl'");
    assertThatThrownBy(() -> Larder.open("mem:?nearLag=5ms"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'nearLag' needs");
    assertThatThrownBy(() -> Larder.open("mem:?near=1m&nearLag=0s"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'nearLag'");
    assertThatThrownBy(() -> Larder.builder().url("mem:?near=1m").near(1024).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("both");
    try (Cache cache = Larder.open("mem:?near=1m&nearTtl=5s")) {
      assertThat(cache.nearStats().enabled()).isTrue();
      assertThat(cache.nearStats().tracking()).isFalse();
    }
    try (Cache cache = Larder.open("mem:")) {
      assertThat(cache.nearStats()).isEqualTo(NearStats.NONE);
    }
  }

  @Test
  void closingTheCacheEndsTheSubscriptionAndLeavesABorrowedStoreOpen() {
    Cache cache = near("");
    assertThat(remote.listener).isNotNull();
    cache.close();
    assertThat(remote.listener).isNull();
  }

}
