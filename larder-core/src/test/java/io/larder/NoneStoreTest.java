package io.larder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.larder.internal.NoneStore;
import io.larder.spi.Store;
import io.larder.spi.StoredValue;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@code none:}: a cache that evicts every entry the instant it is written. */
class NoneStoreTest {
  private static final byte[] V = "v".getBytes(StandardCharsets.UTF_8);

  @Test
  void keepsNothingThatWasWritten() {
    try (Store store = new NoneStore()) {
      store.set("a", V, Store.NO_EXPIRY);
      store.setMany(Map.of("b", V, "c", V), 60_000);
      assertThat(store.get("a")).isNull();
      assertThat(store.getMany(List.of("a", "b", "c"))).isEmpty();
      assertThat(store.exists("b")).isFalse();
      assertThat(store.getVersioned("c")).isNull();
      assertThat(store.touch("a", 60_000)).isFalse();
      assertThat(store.delete("a")).isFalse();
      assertThat(store.deleteMany(List.of("a", "b", "c"))).isZero();
      store.clear("");
    }
  }

  @Test
  void writesThatNeedAMissingKeySucceedEveryTime() {
    try (Store store = new NoneStore()) {
      assertThat(store.add("k", V, 60_000)).isTrue();
      assertThat(store.add("k", V, 60_000)).as("the first add was evicted").isTrue();
      assertThat(store.compareAndSet("k", null, V, 60_000)).isTrue();
      assertThat(store.compareAndSet("k", null, V, 60_000)).isTrue();
      assertThat(store.compareAndSet("k", new StoredValue(V, 0), V, 60_000))
          .as("no key holds a value to compare with").isFalse();
      assertThat(store.incr("n", 5, Store.NO_EXPIRY)).isEqualTo(5);
      assertThat(store.incr("n", 5, Store.NO_EXPIRY)).as("the counter was evicted").isEqualTo(5);
      assertThat(store.incr("n", -2, Store.NO_EXPIRY)).isEqualTo(-2);
    }
  }

  @Test
  void getOrComputeCallsTheLoaderOnEveryCall() {
    AtomicInteger calls = new AtomicInteger();
    try (Cache cache = Larder.open("none:")) {
      assertThat(cache.getOrCompute("k", String.class, Duration.ofMinutes(5),
          () -> "first " + calls.incrementAndGet())).isEqualTo("first 1");
      assertThat(cache.getOrCompute("k", String.class, Duration.ofMinutes(5),
          () -> "second " + calls.incrementAndGet())).isEqualTo("second 2");
      assertThat(cache.get("k", String.class)).isNull();
    }
  }

  @Test
  void getOrComputeNeverWaitsOnItsLease() {
    AtomicInteger calls = new AtomicInteger();
    Freshness leased = Freshness.of(Duration.ofMinutes(5)).lease(Duration.ofHours(1));
    try (Cache cache = Larder.open("none:")) {
      // Waiting for a lease holder parks the thread and gives up at once when interrupted, so
      // with the flag set a wait throws instead of passing unnoticed.
      Thread.currentThread().interrupt();
      try {
        assertThat(cache.getOrCompute("k", String.class, leased, () -> "v" + calls.incrementAndGet()))
            .isEqualTo("v1");
        assertThat(cache.getOrCompute("k", String.class, leased, () -> "v" + calls.incrementAndGet()))
            .isEqualTo("v2");
      } finally {
        assertThat(Thread.interrupted()).as("the flag stays set").isTrue();
      }
    }
  }

  @Test
  void theFacadeReadsEveryWriteAsEvicted() {
    try (Cache cache = Larder.open("none:?prefix=app&ttl=5m")) {
      cache.set("k", "v");
      assertThat(cache.get("k", String.class)).isNull();
      assertThat(cache.add("k", "v")).isTrue();
      assertThat(cache.incr("hits")).isEqualTo(1);
      assertThat(cache.incr("hits")).isEqualTo(1);
      assertThat(cache.update("k", String.class, old -> old == null ? "new" : old + "+"))
          .isEqualTo("new");
      assertThat(cache.exists("k")).isFalse();
      assertThat(cache.stats().storeErrors()).isZero();
    }
  }

  @Test
  void theUrlTakesNoPathAndNoOptionsOfItsOwn() {
    assertThat(Larder.schemes()).contains("none");
    assertThatThrownBy(() -> Larder.open("none:somewhere"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no path");
    assertThatThrownBy(() -> Larder.open("none:?maxBytes=1m"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxbytes");
  }
}
