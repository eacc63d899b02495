package io.larder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.spi.ForwardingStore;
import io.larder.spi.Store;
import io.larder.spi.StoredValue;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a cache does when its store fails: fail-open answers, fail-closed throws. */
class FailureModesTest {

  /**
   * A store whose every call fails as a dead server would, when {@code down} is set; and whose
   * writes and deletes alone fail, as during a failover, when {@code writesDown} is set.
   */
  static final class FlakyStore extends ForwardingStore {
    volatile boolean down;
    volatile boolean writesDown;

    FlakyStore() {
      this(Stores.memory());
    }

    FlakyStore(Store delegate) {
      super(delegate);
    }

    private void check() {
      if (down) {
        throw new CacheConnectionException("connection refused (test)");
      }
    }

    private void checkWrite() {
      check();
      if (writesDown) {
        throw new CacheConnectionException("MOVED during failover (test)");
      }
    }

    @Override
    public byte[] get(String key) {
      check();
      return super.get(key);
    }

    @Override
    public Map<String, byte[]> getMany(Collection<String> keys) {
      check();
      return super.getMany(keys);
    }

    @Override
    public void set(String key, byte[] value, long ttlMillis) {
      checkWrite();
      super.set(key, value, ttlMillis);
    }

    @Override
    public void setMany(Map<String, byte[]> entries, long ttlMillis) {
      checkWrite();
      super.setMany(entries, ttlMillis);
    }

    @Override
    public boolean add(String key, byte[] value, long ttlMillis) {
      checkWrite();
      return super.add(key, value, ttlMillis);
    }

    @Override
    public boolean delete(String key) {
      checkWrite();
      return super.delete(key);
    }

    @Override
    public int deleteMany(Collection<String> keys) {
      checkWrite();
      return super.deleteMany(keys);
    }

    @Override
    public boolean exists(String key) {
      check();
      return super.exists(key);
    }

    @Override
    public boolean touch(String key, long ttlMillis) {
      checkWrite();
      return super.touch(key, ttlMillis);
    }

    @Override
    public long incr(String key, long delta, long ttlMillis) {
      checkWrite();
      return super.incr(key, delta, ttlMillis);
    }

    @Override
    public StoredValue getVersioned(String key) {
      check();
      return super.getVersioned(key);
    }

    @Override
    public boolean compareAndSet(String key, StoredValue expected, byte[] value, long ttlMillis) {
      checkWrite();
      return super.compareAndSet(key, expected, value, ttlMillis);
    }

    @Override
    public void clear(String prefix) {
      checkWrite();
      super.clear(prefix);
    }
  }

  @Test
  void failOpenAnswersEveryCallAsAMissAndCountsTheErrors() {
    FlakyStore store = new FlakyStore();
    Cache cache = Larder.builder().store(store).build();
    cache.set("k", "v");
    store.down = true;

    assertThat(cache.get("k", String.class)).isNull();
    assertThat(cache.getMany(List.of("k", "j"), String.class)).isEmpty();
    cache.set("k", "w");
    cache.setMany(Map.of("a", "b"));
    assertThat(cache.add("n", "v")).isFalse();
    assertThat(cache.delete("k")).isFalse();
    assertThat(cache.deleteMany(List.of("k"))).isZero();
    assertThat(cache.exists("k")).isFalse();
    assertThat(cache.touch("k", Duration.ofMinutes(1))).isFalse();
    assertThat(cache.incr("c")).isZero();
    Versioned<String> read = cache.getVersioned("k", String.class);
    assertThat(read.exists()).isFalse();
    assertThat(cache.compareAndSet(read, "x")).isFalse();
    assertThat(cache.update("k", String.class, v -> "y")).isNull();
    cache.clear();
    try (Preload scope = cache.preload("k", "j")) {
      // the failed bulk read made the scope answer misses, not send each read to a dead store
      long trips = cache.stats().roundTrips();
      assertThat(cache.get("k", String.class)).isNull();
      assertThat(cache.get("j", String.class)).isNull();
      assertThat(cache.stats().roundTrips()).isEqualTo(trips);
    }

    CacheStats stats = cache.stats();
    // exists("k") after the failed set and delete misses without asking the store
    assertThat(stats.storeErrors()).isEqualTo(14);
    assertThat(stats.writes()).isEqualTo(1);

    store.down = false;
    assertThat(cache.get("k", String.class)).as("the value a failed set meant to replace")
        .isNull();
  }

  @Test
  void failClosedThrowsTheStoresException() {
    FlakyStore store = new FlakyStore();
    Cache cache = Larder.builder().store(store).failOpen(false).build();
    store.down = true;
    assertThatThrownBy(() -> cache.get("k", String.class))
        .isInstanceOf(CacheConnectionException.class);
    assertThatThrownBy(() -> cache.set("k", "v")).isInstanceOf(CacheConnectionException.class);
    assertThatThrownBy(() -> cache.incr("k")).isInstanceOf(CacheConnectionException.class);
    assertThatThrownBy(() -> cache.update("k", String.class, v -> "v"))
        .isInstanceOf(CacheConnectionException.class);
    assertThat(cache.stats().storeErrors()).isEqualTo(4);
  }

  @Test
  void anUnexpectedStoreExceptionIsWrappedAndTreatedAsAStoreFailure() {
    Store broken = new ForwardingStore(Stores.memory()) {
      @Override
      public byte[] get(String key) {
        throw new IllegalStateException("driver bug");
      }
    };
    Cache open = Larder.builder().store(broken).build();
    assertThat(open.get("k", String.class)).isNull();
    assertThat(open.stats().storeErrors()).isEqualTo(1);
    Cache closed = Larder.builder().store(broken).failOpen(false).build();
    assertThatThrownBy(() -> closed.get("k", String.class))
        .isInstanceOf(CacheException.class).hasCauseInstanceOf(IllegalStateException.class);
  }

  @Test
  void aFailedWriteInsideAScopeMakesTheScopeForgetTheKey() {
    FlakyStore store = new FlakyStore();
    Cache cache = Larder.builder().store(store).build();
    cache.set("k", "v1");
    try (Preload scope = cache.preload("k")) {
      store.down = true;
      cache.set("k", "v2");
      store.down = false;
      // neither the scope's v2 nor the store's v1: the failed write is remembered as a miss
      long before = cache.stats().roundTrips();
      assertThat(cache.get("k", String.class)).isNull();
      assertThat(cache.stats().roundTrips() - before).isZero();
    }
  }

  @Test
  void closingALearnedScopeNeverThrowsEvenFailClosed() {
    FlakyStore store = new FlakyStore();
    Cache cache = Larder.builder().store(store).failOpen(false).build();
    Preload scope = cache.learnedPreload("page");
    cache.set("k", "v");
    cache.get("k", String.class);
    store.down = true;
    long errors = cache.stats().storeErrors();
    // storing the learned list fails; the page must not
    assertThatCode(scope::close).doesNotThrowAnyException();
    assertThat(cache.stats().storeErrors() - errors).as("close() tried to store the list")
        .isEqualTo(1);
    store.down = false;
  }

  @Test
  void closingALearnedScopeStoresTheKeysItRead() {
    FlakyStore store = new FlakyStore();
    Cache cache = Larder.builder().store(store).failOpen(false).build();
    cache.set("k", "v");
    try (Preload scope = cache.learnedPreload("page")) {
      cache.get("k", String.class);
    }
    // another server of the app has only the store: it finds the list there
    Cache other = Larder.builder().store(store).failOpen(false).build();
    try (Preload scope = other.learnedPreload("page")) {
      CacheStats before = other.stats();
      assertThat(other.get("k", String.class)).isEqualTo("v");
      assertThat(other.stats().minus(before).preloadHits()).isEqualTo(1);
      assertThat(other.stats().minus(before).roundTrips()).isZero();
    }
  }

  @Test
  void hitsOnComputedValuesCountTheTimeTheySaved() {
    Cache cache = Larder.builder().store(Stores.memory()).build();
    java.util.function.Supplier<String> slow = () -> {
      long until = System.nanoTime() + 3_000_000;
      while (System.nanoTime() < until) {
        Thread.onSpinWait();
      }
      return "v";
    };
    cache.getOrCompute("k", String.class, Duration.ofMinutes(1), slow);
    assertThat(cache.stats().timeSavedMillis()).isZero();
    cache.getOrCompute("k", String.class, Duration.ofMinutes(1), slow);
    cache.get("k", String.class);
    assertThat(cache.stats().timeSavedMillis()).as("two hits on a value that took 3+ ms")
        .isGreaterThanOrEqualTo(6);
  }

  @Test
  void incrOnTextThrowsEvenWhenFailOpenBecauseItIsNotAStoreFailure() {
    Cache cache = Larder.builder().store(Stores.memory()).build();
    cache.set("t", "text");
    assertThatThrownBy(() -> cache.incr("t")).isInstanceOf(CacheCodecException.class);
    assertThat(cache.stats().storeErrors()).isZero();
  }
}
